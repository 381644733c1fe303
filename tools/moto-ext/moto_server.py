"""moto's server, plus the CloudFormation resource types our templates use that moto 5.2 lacks.

moto skips an unknown resource type with a log line and still reports CREATE_COMPLETE. For most of
them that only loses an attribute nobody reads (AWS::S3::BucketPolicy, AWS::SQS::QueuePolicy are
accepted and ignored, as in moto). One matters: without AWS::EC2::VPCCidrBlock the secondary
100.64-66/16 blocks are never associated, and the node subnets in them fail with
InvalidSubnet.Range. This module defines it the way CloudFormation implements it (an
AssociateVpcCidrBlock on create, a DisassociateVpcCidrBlock on delete, the association id as the
physical id) on top of moto's own EC2 backend, then runs moto's server with the same arguments.
AWS::APS::Workspace (the platform's Amazon Managed Service for Prometheus workspace) is defined
the same way on moto's AMP backend: CreateWorkspace with the alias and tags on create, the ARN as
the physical id (`Ref`), `WorkspaceId`/`Arn`/`PrometheusEndpoint` for `Fn::GetAtt`, the alias and
tags updated in place, DeleteWorkspace on delete (unless `DeletionPolicy: Retain`).

It also makes moto honour `DependsOn` when a resource is created because another one refers to it
(moto resolves a `Ref` by creating its target on the spot and skipped the target's `DependsOn`
then: a route table association referring to a node subnet created that subnet before its CIDR
block). CloudFormation never creates a resource before what it depends on.

It gives a stack executed from a change set its outputs: moto builds a stack's outputs when the
stack is created (for a change set, the empty REVIEW_IN_PROGRESS placeholder) and never again,
so `DescribeStacks` showed none, or stale ones after an update. CloudFormation shows the
template's outputs and exports once the change set has executed; so does this (the output map is
rebuilt from the executed template, its exports registered).

A CreateChangeSet that changes nothing is answered as CloudFormation does: the change set is made
and fails with "didn't contain changes". moto refused the call itself ("No updates are to be
performed.") when the request carried parameters.

And it deletes, on stack deletion, the network resource types moto creates but never deletes: NAT
gateways (their network interface released, as in AWS), VPC endpoints, route tables, routes,
subnet route table associations, internet gateways and their attachments, and Elastic IPs.
Without that the VPC keeps dependencies and the network stack cannot be deleted.

An inline policy of a role created by CloudFormation (`AWS::IAM::Role` `Policies`) is stored as
JSON: moto kept the template's dict as it was, so `GetRolePolicy` answered its Python form
(`{'Version': ...}`), which no IAM client can parse. IAM stores and returns the JSON document.

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


class ApsWorkspace(CloudFormationModel):
    __module__ = "dataplat_ext.amp"

    def __init__(self, workspace: Any):
        self.workspace = workspace

    @property
    def physical_resource_id(self) -> str:
        return self.workspace.arn

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::APS::Workspace"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("WorkspaceId", "Arn", "PrometheusEndpoint")

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return {
            "WorkspaceId": self.workspace.workspace_id,
            "Arn": self.workspace.arn,
            "PrometheusEndpoint": self.workspace.endpoint,
        }[attribute_name]

    @staticmethod
    def _tags(properties: Any) -> dict[str, str]:
        return {t["Key"]: t["Value"] for t in properties.get("Tags", [])}

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> "ApsWorkspace":
        from moto.amp.models import amp_backends

        properties = cloudformation_json.get("Properties", {})
        backend = amp_backends[account_id][region_name]
        workspace = backend.create_workspace(properties.get("Alias", ""), cls._tags(properties))
        return cls(workspace)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: "ApsWorkspace",
        new_resource_name: str,
        cloudformation_json: Any,
        account_id: str,
        region_name: str,
    ) -> "ApsWorkspace":
        from moto.amp.models import amp_backends

        properties = cloudformation_json.get("Properties", {})
        backend = amp_backends[account_id][region_name]
        workspace = original_resource.workspace
        backend.update_workspace_alias(properties.get("Alias", ""), workspace.workspace_id)
        old = backend.list_tags_for_resource(workspace.arn)
        new = cls._tags(properties)
        backend.untag_resource(workspace.arn, [k for k in old if k not in new])
        backend.tag_resource(workspace.arn, new)
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        from moto.amp.models import amp_backends

        amp_backends[account_id][region_name].delete_workspace(self.workspace.workspace_id)


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


def _outputs_after_change_sets() -> None:
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend.execute_change_set

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        original(self, change_set_name, stack_name)
        change_set = self.change_sets.get(change_set_name) or next(
            (c for c in self.change_sets.values() if c.change_set_name == change_set_name), None
        )
        if change_set is None:
            return
        stack = self.stacks[change_set.stack_id]
        stack._parse_template()
        stack.output_map = stack._create_output_map()
        # Its exports become importable (and are removed again when the stack is deleted).
        for export in stack.exports:
            self.exports[export.name] = export

    CloudFormationBackend.execute_change_set = execute_change_set

    # A deleted stack has no outputs. moto resolves an output's `Ref` by creating the resource it
    # names when it is missing, so describing a deleted stack's outputs would bring its deleted
    # resources back.
    from moto.cloudformation.models import Stack

    outputs = Stack.outputs

    def outputs_unless_deleted(self: Any) -> Any:
        return None if self.status.startswith("DELETE") else outputs.fget(self)

    Stack.outputs = property(outputs_unless_deleted)


def _empty_change_sets_fail_like_cloudformation() -> None:
    from moto.cloudformation.responses import CloudFormationResponse

    original = CloudFormationResponse.create_change_set

    def create_change_set(self: Any) -> Any:
        # The backend marks a change set without changes FAILED, as CloudFormation does.
        self._validate_different_update = lambda *args, **kwargs: None
        return original(self)

    CloudFormationResponse.create_change_set = create_change_set


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


def _role_policies_as_json() -> None:
    import json

    from moto.iam.models import Role

    original = Role.put_policy

    def put_policy(self: Any, policy_name: str, policy_json: Any) -> None:
        if not isinstance(policy_json, str):
            policy_json = json.dumps(policy_json)
        original(self, policy_name, policy_json)

    Role.put_policy = put_policy


_honour_depends_on()
_role_policies_as_json()
_outputs_after_change_sets()
_empty_change_sets_fail_like_cloudformation()
_delete_on_stack_deletion()

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main())
