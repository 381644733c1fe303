//! The network stack: where the cluster and its nodes live.
//!
//! Following the reference (trino-on-eks section 2.1), with its faults fixed:
//! - A VPC (`vpc_cidr`, default 10.0.0.0/16) over the first N availability zones of the region
//!   (3 by default; zones are `Fn::GetAZs`, never hard-coded). In the primary block, per zone, a
//!   private subnet (`cidrsubnet(cidr, 4, k)`: 10.0.0.0/20, 10.0.16.0/20, 10.0.32.0/20) and a
//!   public one (`cidrsubnet(cidr, 8, 16 N + k)`: 10.0.48.0/24, ...; for a VPC smaller than /20
//!   the public subnets take the next /p+4 blocks instead).
//! - Secondary blocks 100.64.0.0/16, 100.65.0.0/16, 100.66.0.0/16, each one whole "node" subnet
//!   in its zone: the core node group, Karpenter's nodes and their pods (VPC CNI with prefix
//!   delegation) live there, so pods never exhaust the primary block.
//! - An internet gateway for the public subnets; NAT gateways ([`NatMode`]: one shared, the
//!   reference's cheap default, or one per zone so a zone outage does not cut the others off).
//!   Every zone has its own private route table either way, so switching modes only changes routes.
//! - An S3 **gateway** endpoint on every route table: S3 traffic (Trino's exchange and data)
//!   stays off the NAT and costs nothing per GB (the reference pays for an interface endpoint).
//! - Tags: public subnets `kubernetes.io/role/elb=1` (internet-facing load balancers), private
//!   subnets `kubernetes.io/role/internal-elb=1`, node subnets and the node security group
//!   `karpenter.sh/discovery=<platform>`, which is what the EC2NodeClasses select
//!   (crates/core/src/karpenter.rs).
//! - The node security group allows all traffic among its members. The EKS step passes it as the
//!   cluster's additional security group (control-plane ENIs carry it) and Karpenter selects it by
//!   the discovery tag, so control plane and nodes reach each other.
//!
//! Outputs, exported as `<platform>-<key>` for the EKS step: [`OUT_VPC_ID`],
//! [`OUT_PRIVATE_SUBNET_IDS`], [`OUT_PUBLIC_SUBNET_IDS`], [`OUT_NODE_SUBNET_IDS`],
//! [`OUT_NODE_SECURITY_GROUP_ID`], [`OUT_AVAILABILITY_ZONES`].

use std::fmt;

use super::model::*;
use super::{Context, DISCOVERY_TAG, TemplateError};

/// Output: the VPC id.
pub const OUT_VPC_ID: &str = "VpcId";
/// Output: the private subnets of the primary block, comma-separated, zone order.
pub const OUT_PRIVATE_SUBNET_IDS: &str = "PrivateSubnetIds";
/// Output: the public subnets, comma-separated, zone order.
pub const OUT_PUBLIC_SUBNET_IDS: &str = "PublicSubnetIds";
/// Output: the node subnets (100.64-66/16), comma-separated, zone order: for the EKS cluster
/// and the core node group.
pub const OUT_NODE_SUBNET_IDS: &str = "NodeSubnetIds";
/// Output: the node security group id.
pub const OUT_NODE_SECURITY_GROUP_ID: &str = "NodeSecurityGroupId";
/// Output: the zones used, comma-separated, in subnet order.
pub const OUT_AVAILABILITY_ZONES: &str = "AvailabilityZones";

/// The default VPC block.
pub const DEFAULT_VPC_CIDR: &str = "10.0.0.0/16";
/// The default number of availability zones.
pub const DEFAULT_ZONES: u32 = 3;

/// How many NAT gateways the private subnets route through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NatMode {
    /// One NAT gateway in the first zone (cheaper; a single point of failure).
    #[default]
    Single,
    /// One NAT gateway per zone (each zone's private subnets use their own).
    PerZone,
}

/// The inputs of the network template.
#[derive(Debug, Clone)]
pub struct NetworkInput {
    pub context: Context,
    /// The primary IPv4 block, /16 to /24.
    pub vpc_cidr: String,
    /// Availability zones to span, 2 to 4.
    pub zones: u32,
    pub nat: NatMode,
}

impl NetworkInput {
    /// The defaults: 10.0.0.0/16 over 3 zones, one NAT gateway.
    pub fn new(context: Context) -> NetworkInput {
        NetworkInput { context, vpc_cidr: DEFAULT_VPC_CIDR.into(), zones: DEFAULT_ZONES, nat: NatMode::Single }
    }
}

/// An IPv4 network, `a.b.c.d/p`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Net {
    /// The network address as a number.
    pub addr: u32,
    pub prefix: u8,
}

impl Ipv4Net {
    /// Parses `a.b.c.d/p`; `None` when malformed or host bits are set.
    pub fn parse(text: &str) -> Option<Ipv4Net> {
        let (ip, prefix) = text.split_once('/')?;
        let prefix: u8 = prefix.parse().ok().filter(|p| *p <= 32)?;
        let octets: Vec<u8> = ip.split('.').map(|o| o.parse().ok()).collect::<Option<_>>()?;
        let [a, b, c, d] = octets[..] else { return None };
        let addr = u32::from_be_bytes([a, b, c, d]);
        let net = Ipv4Net { addr, prefix };
        (addr & !net.mask() == 0).then_some(net)
    }

    fn mask(self) -> u32 {
        if self.prefix == 0 { 0 } else { u32::MAX << (32 - self.prefix) }
    }

    /// Terraform's `cidrsubnet(self, newbits, index)`.
    pub fn subnet(self, newbits: u8, index: u32) -> Ipv4Net {
        let prefix = self.prefix + newbits;
        Ipv4Net { addr: self.addr | (index << (32 - prefix)), prefix }
    }
}

impl fmt::Display for Ipv4Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.addr.to_be_bytes();
        write!(f, "{a}.{b}.{c}.{d}/{}", self.prefix)
    }
}

/// The subnet blocks of one zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneLayout {
    pub private: Ipv4Net,
    pub public: Ipv4Net,
    /// The secondary block, one whole subnet: 100.(64+k).0.0/16.
    pub node: Ipv4Net,
}

/// The subnet layout of a VPC block over `zones` zones.
pub fn layout(vpc_cidr: &str, zones: u32) -> Result<Vec<ZoneLayout>, TemplateError> {
    let vpc = Ipv4Net::parse(vpc_cidr)
        .filter(|n| (16..=24).contains(&n.prefix))
        .ok_or_else(|| TemplateError::VpcCidr(vpc_cidr.to_owned()))?;
    if !(2..=4).contains(&zones) {
        return Err(TemplateError::ZoneCount(zones));
    }
    Ok((0..zones)
        .map(|k| ZoneLayout {
            private: vpc.subnet(4, k),
            // The block after the private subnets, split into /p+8 when that is not smaller than
            // the /28 AWS allows, else the next /p+4 blocks.
            public: if vpc.prefix + 8 <= 28 { vpc.subnet(8, 16 * zones + k) } else { vpc.subnet(4, zones + k) },
            node: Ipv4Net { addr: u32::from_be_bytes([100, 64 + k as u8, 0, 0]), prefix: 16 },
        })
        .collect())
}

const VPC: &str = "Vpc";
const IGW: &str = "InternetGateway";
const IGW_ATTACHMENT: &str = "InternetGatewayAttachment";
const PUBLIC_ROUTES: &str = "PublicRouteTable";
const NODE_SG: &str = "NodeSecurityGroup";

fn zone_suffix(k: u32) -> String {
    char::from(b'A' + k as u8).to_string()
}

/// `<platform>-<kind>-<zone name>` as a tag value.
fn zone_name(platform: &str, kind: &str, k: u32) -> Expr {
    Expr::Join(String::new(), vec![Expr::lit(format!("{platform}-{kind}-")), Expr::az(k)])
}

fn join_refs(ids: &[String]) -> Expr {
    Expr::Join(",".into(), ids.iter().map(|id| Expr::reference(id.as_str())).collect())
}

/// The network template.
pub fn template(input: &NetworkInput) -> Result<Template, TemplateError> {
    let zones = layout(&input.vpc_cidr, input.zones)?;
    let ctx = &input.context;
    let p = ctx.platform.as_str();
    let mut t = Template::new(format!(
        "dataplat {p}: VPC {} over {} zones, node subnets in 100.64.0.0/10, NAT {}, S3 gateway endpoint",
        input.vpc_cidr,
        input.zones,
        match input.nat {
            NatMode::Single => "single",
            NatMode::PerZone => "per zone",
        }
    ));
    let vpc = || Expr::reference(VPC);

    t.add(
        VPC,
        Vpc {
            cidr_block: Expr::lit(&input.vpc_cidr),
            enable_dns_hostnames: true,
            enable_dns_support: true,
            tags: ctx.tags_with(Expr::lit(p), &[]),
        },
    );
    t.add(IGW, InternetGateway { tags: ctx.tags_with(Expr::lit(format!("{p}-igw")), &[]) });
    t.add(IGW_ATTACHMENT, VpcGatewayAttachment { vpc_id: vpc(), internet_gateway_id: Expr::reference(IGW) });
    t.add(PUBLIC_ROUTES, RouteTable { vpc_id: vpc(), tags: ctx.tags_with(Expr::lit(format!("{p}-public")), &[]) });
    t.add(
        "PublicDefaultRoute",
        Resource::from(Route {
            route_table_id: Expr::reference(PUBLIC_ROUTES),
            destination_cidr_block: Expr::lit("0.0.0.0/0"),
            gateway_id: Some(Expr::reference(IGW)),
            nat_gateway_id: None,
        })
        .depends_on(IGW_ATTACHMENT),
    );

    let (mut private_ids, mut public_ids, mut node_ids, mut route_tables) =
        (Vec::new(), Vec::new(), Vec::new(), vec![PUBLIC_ROUTES.to_owned()]);
    for (k, zone) in (0u32..).zip(&zones) {
        let z = zone_suffix(k);
        let (public, private, node) =
            (format!("PublicSubnet{z}"), format!("PrivateSubnet{z}"), format!("NodeSubnet{z}"));
        let (secondary, routes) = (format!("SecondaryCidr{z}"), format!("PrivateRouteTable{z}"));

        t.add(
            public.as_str(),
            Subnet {
                vpc_id: vpc(),
                cidr_block: Expr::lit(zone.public.to_string()),
                availability_zone: Expr::az(k),
                map_public_ip_on_launch: true,
                tags: ctx.tags_with(zone_name(p, "public", k), &[("kubernetes.io/role/elb", "1")]),
            },
        );
        t.add(
            private.as_str(),
            Subnet {
                vpc_id: vpc(),
                cidr_block: Expr::lit(zone.private.to_string()),
                availability_zone: Expr::az(k),
                map_public_ip_on_launch: false,
                tags: ctx.tags_with(zone_name(p, "private", k), &[("kubernetes.io/role/internal-elb", "1")]),
            },
        );
        t.add(secondary.as_str(), VpcCidrBlock { vpc_id: vpc(), cidr_block: Expr::lit(zone.node.to_string()) });
        t.add(
            node.as_str(),
            Resource::from(Subnet {
                vpc_id: vpc(),
                cidr_block: Expr::lit(zone.node.to_string()),
                availability_zone: Expr::az(k),
                map_public_ip_on_launch: false,
                tags: ctx.tags_with(zone_name(p, "nodes", k), &[(DISCOVERY_TAG, p)]),
            })
            .depends_on(secondary.as_str()),
        );
        t.add(routes.as_str(), RouteTable { vpc_id: vpc(), tags: ctx.tags_with(zone_name(p, "private", k), &[]) });
        t.add(
            format!("{public}RouteTableAssociation"),
            SubnetRouteTableAssociation {
                route_table_id: Expr::reference(PUBLIC_ROUTES),
                subnet_id: Expr::reference(public.as_str()),
            },
        );
        for subnet in [&private, &node] {
            t.add(
                format!("{subnet}RouteTableAssociation"),
                SubnetRouteTableAssociation {
                    route_table_id: Expr::reference(routes.as_str()),
                    subnet_id: Expr::reference(subnet.as_str()),
                },
            );
        }

        if k == 0 || input.nat == NatMode::PerZone {
            t.add(
                format!("NatEip{z}"),
                Resource::from(Eip { domain: "vpc".into(), tags: ctx.tags_with(zone_name(p, "nat", k), &[]) })
                    .depends_on(IGW_ATTACHMENT),
            );
            t.add(
                format!("NatGateway{z}"),
                NatGateway {
                    allocation_id: Expr::get_att(format!("NatEip{z}"), "AllocationId"),
                    subnet_id: Expr::reference(public.as_str()),
                    tags: ctx.tags_with(zone_name(p, "nat", k), &[]),
                },
            );
        }
        let nat = if input.nat == NatMode::PerZone { z.clone() } else { zone_suffix(0) };
        t.add(
            format!("PrivateDefaultRoute{z}"),
            Route {
                route_table_id: Expr::reference(routes.as_str()),
                destination_cidr_block: Expr::lit("0.0.0.0/0"),
                gateway_id: None,
                nat_gateway_id: Some(Expr::reference(format!("NatGateway{nat}"))),
            },
        );

        public_ids.push(public);
        private_ids.push(private);
        node_ids.push(node);
        route_tables.push(routes);
    }

    t.add(
        "S3GatewayEndpoint",
        VpcEndpoint {
            vpc_id: vpc(),
            service_name: Expr::sub("com.amazonaws.${AWS::Region}.s3"),
            vpc_endpoint_type: "Gateway".into(),
            route_table_ids: route_tables.iter().map(|id| Expr::reference(id.as_str())).collect(),
            tags: ctx.tags_with(Expr::lit(format!("{p}-s3")), &[]),
        },
    );
    t.add(
        NODE_SG,
        SecurityGroup {
            group_name: format!("{p}-node"),
            group_description: format!("dataplat {p}: EKS control plane and nodes"),
            vpc_id: vpc(),
            security_group_egress: vec![SecurityGroupRule {
                ip_protocol: "-1".into(),
                from_port: None,
                to_port: None,
                cidr_ip: Some(Expr::lit("0.0.0.0/0")),
                description: Some("all outbound".into()),
            }],
            tags: ctx.tags_with(Expr::lit(format!("{p}-node")), &[(DISCOVERY_TAG, p)]),
        },
    );
    t.add(
        "NodeSecurityGroupSelfIngress",
        SecurityGroupIngress {
            group_id: Expr::reference(NODE_SG),
            ip_protocol: "-1".into(),
            from_port: None,
            to_port: None,
            source_security_group_id: Some(Expr::reference(NODE_SG)),
            description: Some("all traffic among the control plane and nodes".into()),
        },
    );

    let export = |key: &str| Some(ctx.export_name(key));
    t.output(OUT_VPC_ID, "The VPC", vpc(), export(OUT_VPC_ID));
    t.output(
        OUT_PRIVATE_SUBNET_IDS,
        "Private subnets (primary block)",
        join_refs(&private_ids),
        export(OUT_PRIVATE_SUBNET_IDS),
    );
    t.output(OUT_PUBLIC_SUBNET_IDS, "Public subnets", join_refs(&public_ids), export(OUT_PUBLIC_SUBNET_IDS));
    t.output(OUT_NODE_SUBNET_IDS, "Node subnets (100.64.0.0/10)", join_refs(&node_ids), export(OUT_NODE_SUBNET_IDS));
    t.output(
        OUT_NODE_SECURITY_GROUP_ID,
        "The node security group",
        Expr::reference(NODE_SG),
        export(OUT_NODE_SECURITY_GROUP_ID),
    );
    t.output(
        OUT_AVAILABILITY_ZONES,
        "The availability zones, in subnet order",
        Expr::Join(",".into(), node_ids.iter().map(|id| Expr::get_att(id.as_str(), "AvailabilityZone")).collect()),
        export(OUT_AVAILABILITY_ZONES),
    );
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_the_reference() {
        let zones = layout("10.0.0.0/16", 3).unwrap();
        let show = |f: fn(&ZoneLayout) -> Ipv4Net| zones.iter().map(|z| f(z).to_string()).collect::<Vec<_>>();
        assert_eq!(show(|z| z.private), ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]);
        assert_eq!(show(|z| z.public), ["10.0.48.0/24", "10.0.49.0/24", "10.0.50.0/24"]);
        assert_eq!(show(|z| z.node), ["100.64.0.0/16", "100.65.0.0/16", "100.66.0.0/16"]);
        let small = layout("192.168.10.0/24", 3).unwrap();
        assert_eq!(small[2].public.to_string(), "192.168.10.80/28");
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(layout("10.0.0.0/8", 3).is_err());
        assert!(layout("10.0.0.1/16", 3).is_err());
        assert!(layout("10.0.0.0/16", 5).is_err());
        assert!(layout("10.0.0/16", 3).is_err());
    }
}
