"""moto's server, plus the CloudFormation resource types our templates use that moto 5.2 lacks.

moto skips an unknown resource type with a log line and still reports CREATE_COMPLETE. For most of
them that only loses an attribute nobody reads (AWS::S3::BucketPolicy, AWS::SQS::QueuePolicy are
accepted and ignored, as in moto). One matters: without AWS::EC2::VPCCidrBlock the secondary
100.64-66/16 blocks are never associated, and the node subnets in them fail with
InvalidSubnet.Range. This module defines it the way CloudFormation implements it (an
AssociateVpcCidrBlock on create, a DisassociateVpcCidrBlock on delete, the association id as the
physical id) on top of moto's own EC2 backend, then runs moto's server with the same arguments.

It also makes moto honour `DependsOn` when a resource is created because another one refers to it
(moto resolves a `Ref` by creating its target on the spot and skipped the target's `DependsOn`
then: a route table association referring to a node subnet created that subnet before its CIDR
block). CloudFormation never creates a resource before what it depends on.

And it deletes, on stack deletion, the network resource types moto creates but never deletes: NAT
gateways (their network interface released, as in AWS), VPC endpoints, route tables, routes,
subnet route table associations, internet gateways and their attachments, and Elastic IPs.
Without that the VPC keeps dependencies and the network stack cannot be deleted.

Limits: IPv6 (AmazonProvidedIpv6CidrBlock, Ipv6Pool) is not modelled; updates replace.

Used by tests/run: DATAPLAT_MOTO_SERVER points at a wrapper that runs this file with the venv's
Python.
"""

import sys
from typing import Any

from moto.core.common_models import CloudFormationModel


class VPCCidrBlock(CloudFormationModel):
    # moto files models by the second part of their module name: this is an EC2 model.
    __module__ = "dataplat_ext.ec2"

    def __init__(self, vpc_id: str, association_id: str, cidr_block: str):
        self.vpc_id = vpc_id
        self.association_id = association_id
        self.cidr_block = cidr_block

    @property
    def physical_resource_id(self) -> str:
        return self.association_id

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::EC2::VPCCidrBlock"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> "VPCCidrBlock":
        from moto.ec2.models import ec2_backends

        properties = cloudformation_json["Properties"]
        vpc_id = properties["VpcId"]
        cidr_block = properties["CidrBlock"]
        backend = ec2_backends[account_id][region_name]
        association = backend.associate_vpc_cidr_block(vpc_id, cidr_block, False)
        return cls(vpc_id, association["association_id"], cidr_block)

    def delete(self, account_id: str, region_name: str) -> None:
        from moto.ec2.models import ec2_backends

        backend = ec2_backends[account_id][region_name]
        backend.disassociate_vpc_cidr_block(self.association_id)


def _honour_depends_on() -> None:
    from moto.cloudformation import parsing

    original = parsing.ResourceMap.__getitem__

    def getitem(self: Any, key: str) -> Any:
        resources = getattr(self, "_resource_json_map", {})
        if key not in self._parsed_resources and key in resources:
            depends = resources[key].get("DependsOn", [])
            for dependency in [depends] if isinstance(depends, str) else depends:
                if dependency in resources and dependency != key:
                    getitem(self, dependency)
        return original(self, key)

    parsing.ResourceMap.__getitem__ = getitem


def _delete_on_stack_deletion() -> None:
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.nat_gateways import NatGateway
    from moto.ec2.models.vpcs import VPCEndPoint

    def delete_nat_gateway(self: Any, account_id: str, region_name: str) -> None:
        backend = ec2_backends[account_id][region_name]
        backend.delete_nat_gateway(self.id)
        eni = getattr(self, "_eni", None)
        if eni is not None:
            if getattr(eni, "attachment_id", None) or getattr(eni, "instance", None):
                eni.instance = None
            backend.delete_network_interface(eni.id)

    def delete_endpoint(self: Any, account_id: str, region_name: str) -> None:
        # moto deletes a stack's resources in no particular order: a route table may be gone
        # already (CloudFormation would have deleted the endpoint first, as it refers to them).
        backend = ec2_backends[account_id][region_name]
        self.route_table_ids = [r for r in (self.route_table_ids or []) if r in backend.route_tables]
        backend.delete_vpc_endpoints([self.id])

    from moto.ec2.models.elastic_ip_addresses import ElasticAddress
    from moto.ec2.models.internet_gateways import InternetGateway
    from moto.ec2.models.route_tables import Route, RouteTable
    from moto.ec2.models.subnets import SubnetRouteTableAssociation
    from moto.ec2.models.vpn_gateway import VPCGatewayAttachment

    def delete_route_table(self: Any, account_id: str, region_name: str) -> None:
        backend = ec2_backends[account_id][region_name]
        for association_id in list(self._associations):
            backend.disassociate_route_table(association_id)
        if self.id in backend.route_tables:
            backend.delete_route_table(self.id)

    def delete_route(self: Any, account_id: str, region_name: str) -> None:
        backend = ec2_backends[account_id][region_name]
        if self.route_table.id in backend.route_tables and self.id in self.route_table._routes:
            backend.delete_route(self.route_table.id, self.destination_cidr_block)

    def delete_association(self: Any, account_id: str, region_name: str) -> None:
        backend = ec2_backends[account_id][region_name]
        table = backend.route_tables.get(self.route_table_id)
        for association_id, subnet_id in list(table._associations.items()) if table else []:
            if subnet_id == self.subnet_id:
                backend.disassociate_route_table(association_id)

    def delete_internet_gateway(self: Any, account_id: str, region_name: str) -> None:
        backend = ec2_backends[account_id][region_name]
        if self.id not in backend.internet_gateways:
            return
        if self.vpc is not None:
            backend.detach_internet_gateway(self.id, self.vpc.id)
        backend.delete_internet_gateway(self.id)

    def delete_attachment(self: Any, account_id: str, region_name: str) -> None:
        backend = ec2_backends[account_id][region_name]
        igw = backend.internet_gateways.get(self.gateway_id)
        if igw is not None and igw.vpc is not None and igw.vpc.id == self.vpc_id:
            backend.detach_internet_gateway(self.gateway_id, self.vpc_id)

    def delete_address(self: Any, account_id: str, region_name: str) -> None:
        backend = ec2_backends[account_id][region_name]
        if self in backend.addresses:
            self.eni = None
            self.association_id = None
            backend.addresses.remove(self)

    NatGateway.delete = delete_nat_gateway
    VPCEndPoint.delete = delete_endpoint
    RouteTable.delete = delete_route_table
    Route.delete = delete_route
    SubnetRouteTableAssociation.delete = delete_association
    InternetGateway.delete = delete_internet_gateway
    VPCGatewayAttachment.delete = delete_attachment
    ElasticAddress.delete = delete_address


_honour_depends_on()
_delete_on_stack_deletion()

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main())
