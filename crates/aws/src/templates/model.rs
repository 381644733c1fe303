//! A typed model of the parts of a CloudFormation template the platform uses.
//!
//! Every property is a field of a Rust struct named exactly as CloudFormation spells it (serde
//! renames), every intrinsic function a variant of [`Expr`]. A template is built as data and
//! serialized with serde to the JSON CloudFormation accepts; nothing is assembled from strings.
//! Only the resource types and properties the builders need are modelled: an unknown property is
//! a compile error here, not a failed stack later.

use std::collections::BTreeMap;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

/// The template format version CloudFormation expects.
pub const FORMAT_VERSION: &str = "2010-09-09";

/// The IAM policy language version.
pub const POLICY_VERSION: &str = "2012-10-17";

/// A whole CloudFormation template.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Template {
    /// Always [`FORMAT_VERSION`].
    #[serde(rename = "AWSTemplateFormatVersion")]
    pub format_version: &'static str,
    #[serde(rename = "Description")]
    pub description: String,
    #[serde(rename = "Parameters", skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, Parameter>,
    /// Resources by logical id.
    #[serde(rename = "Resources")]
    pub resources: BTreeMap<String, Resource>,
    #[serde(rename = "Outputs", skip_serializing_if = "BTreeMap::is_empty")]
    pub outputs: BTreeMap<String, Output>,
}

impl Template {
    /// An empty template with a description.
    pub fn new(description: impl Into<String>) -> Template {
        Template { format_version: FORMAT_VERSION, description: description.into(), ..Template::default() }
    }

    /// Adds a resource under a logical id; a second resource under the same id replaces the
    /// first (builders derive ids from validated, unique inputs).
    pub fn add(&mut self, logical_id: impl Into<String>, resource: impl Into<Resource>) {
        self.resources.insert(logical_id.into(), resource.into());
    }

    /// Adds an output, exported under `export` when given.
    pub fn output(&mut self, key: impl Into<String>, description: &str, value: Expr, export: Option<String>) {
        let export = export.map(|name| Export { name: Expr::lit(name) });
        self.outputs.insert(key.into(), Output { description: description.into(), value, export });
    }

    /// The template as CloudFormation JSON (pretty-printed).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a template always serializes")
    }

    /// The template as compact CloudFormation JSON: what is sent as `TemplateBody` (at most
    /// 51,200 bytes; larger templates must go through S3).
    pub fn to_json_compact(&self) -> String {
        serde_json::to_string(self).expect("a template always serializes")
    }

    /// The template as a JSON value (for inspection and tests).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a template always serializes")
    }
}

/// A template parameter.
#[derive(Debug, Clone, Serialize)]
pub struct Parameter {
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(rename = "Description", skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(rename = "Default", skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(rename = "AllowedValues", skip_serializing_if = "Vec::is_empty")]
    pub allowed_values: Vec<String>,
}

/// A stack output.
#[derive(Debug, Clone, Serialize)]
pub struct Output {
    #[serde(rename = "Description")]
    pub description: String,
    #[serde(rename = "Value")]
    pub value: Expr,
    #[serde(rename = "Export", skip_serializing_if = "Option::is_none")]
    pub export: Option<Export>,
}

/// The export of an output, importable by other stacks with `Fn::ImportValue`.
#[derive(Debug, Clone, Serialize)]
pub struct Export {
    #[serde(rename = "Name")]
    pub name: Expr,
}

/// A value: a literal or an intrinsic function.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal string.
    Lit(String),
    /// `{"Ref": id}`: a resource's primary identifier, a parameter, or a pseudo parameter
    /// (`AWS::Region`, `AWS::AccountId`, `AWS::Partition`, ...).
    Ref(String),
    /// `{"Fn::GetAtt": [id, attribute]}`.
    GetAtt(String, String),
    /// `{"Fn::Sub": "..."}`: `${Name}` and `${Name.Attribute}` substituted, `${!x}` literal.
    Sub(String),
    /// `{"Fn::Join": [delimiter, [values]]}`.
    Join(String, Vec<Expr>),
    /// `{"Fn::Select": [index, list]}`.
    Select(u32, Box<Expr>),
    /// `{"Fn::GetAZs": region}` (empty: the stack's region).
    GetAzs(String),
    /// `{"Fn::Cidr": [block, count, bits]}`.
    Cidr(Box<Expr>, u32, u32),
    /// `{"Fn::ImportValue": name}`.
    ImportValue(Box<Expr>),
    /// A literal list of values (where a property takes a list that may hold intrinsics).
    List(Vec<Expr>),
}

impl Expr {
    /// A literal string.
    pub fn lit(value: impl Into<String>) -> Expr {
        Expr::Lit(value.into())
    }

    /// `Ref` to a logical id or parameter.
    pub fn reference(id: impl Into<String>) -> Expr {
        Expr::Ref(id.into())
    }

    /// `Fn::GetAtt` of a resource's attribute.
    pub fn get_att(id: impl Into<String>, attribute: impl Into<String>) -> Expr {
        Expr::GetAtt(id.into(), attribute.into())
    }

    /// `Fn::Sub` of a string with `${...}` variables.
    pub fn sub(template: impl Into<String>) -> Expr {
        Expr::Sub(template.into())
    }

    /// The `index`-th availability zone of the stack's region.
    pub fn az(index: u32) -> Expr {
        Expr::Select(index, Box::new(Expr::GetAzs(String::new())))
    }
}

impl From<&str> for Expr {
    fn from(value: &str) -> Expr {
        Expr::Lit(value.into())
    }
}

impl From<String> for Expr {
    fn from(value: String) -> Expr {
        Expr::Lit(value)
    }
}

struct One<'a, T: Serialize + ?Sized>(&'static str, &'a T);

impl<T: Serialize + ?Sized> Serialize for One<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.0, self.1)?;
        map.end()
    }
}

/// A heterogeneous JSON array element: a string, a number or an expression.
enum Item<'a> {
    Str(&'a str),
    Num(u32),
    Expr(&'a Expr),
    Exprs(&'a [Expr]),
}

impl Serialize for Item<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Item::Str(s) => serializer.serialize_str(s),
            Item::Num(n) => serializer.serialize_u32(*n),
            Item::Expr(e) => e.serialize(serializer),
            Item::Exprs(list) => {
                let mut seq = serializer.serialize_seq(Some(list.len()))?;
                for e in *list {
                    seq.serialize_element(e)?;
                }
                seq.end()
            }
        }
    }
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Expr::Lit(s) => serializer.serialize_str(s),
            Expr::Ref(id) => One("Ref", id).serialize(serializer),
            Expr::GetAtt(id, attr) => One("Fn::GetAtt", &[id, attr]).serialize(serializer),
            Expr::Sub(s) => One("Fn::Sub", s).serialize(serializer),
            Expr::Join(delimiter, values) => {
                One("Fn::Join", &[Item::Str(delimiter), Item::Exprs(values)]).serialize(serializer)
            }
            Expr::Select(index, list) => {
                One("Fn::Select", &[Item::Num(*index), Item::Expr(list)]).serialize(serializer)
            }
            Expr::GetAzs(region) => One("Fn::GetAZs", region).serialize(serializer),
            Expr::Cidr(block, count, bits) => {
                One("Fn::Cidr", &[Item::Expr(block), Item::Num(*count), Item::Num(*bits)]).serialize(serializer)
            }
            Expr::ImportValue(name) => One("Fn::ImportValue", name).serialize(serializer),
            Expr::List(values) => Item::Exprs(values).serialize(serializer),
        }
    }
}

/// A resource tag.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tag {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "Value")]
    pub value: Expr,
}

/// What CloudFormation does with a resource when it leaves the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DeletionPolicy {
    Delete,
    Retain,
}

/// One resource: its type and properties, plus the resource attributes the builders use.
#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    /// `Type` and `Properties`.
    #[serde(flatten)]
    pub kind: ResourceKind,
    #[serde(rename = "DependsOn", skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    #[serde(rename = "DeletionPolicy", skip_serializing_if = "Option::is_none")]
    pub deletion_policy: Option<DeletionPolicy>,
    #[serde(rename = "UpdateReplacePolicy", skip_serializing_if = "Option::is_none")]
    pub update_replace_policy: Option<DeletionPolicy>,
}

impl Resource {
    /// Adds a `DependsOn` entry.
    pub fn depends_on(mut self, id: impl Into<String>) -> Resource {
        self.depends_on.push(id.into());
        self
    }

    /// Sets both `DeletionPolicy` and `UpdateReplacePolicy`.
    pub fn deletion_policy(mut self, policy: DeletionPolicy) -> Resource {
        self.deletion_policy = Some(policy);
        self.update_replace_policy = Some(policy);
        self
    }

    /// The CloudFormation type name (`AWS::EC2::VPC`).
    pub fn type_name(&self) -> &'static str {
        self.kind.type_name()
    }
}

macro_rules! resource_kinds {
    ($($variant:ident($ty:ident) = $name:literal,)*) => {
        /// A resource's type and properties (`{"Type": ..., "Properties": {...}}`).
        #[derive(Debug, Clone, Serialize)]
        #[serde(tag = "Type", content = "Properties")]
        pub enum ResourceKind {
            $(
                #[doc = concat!("`", $name, "`")]
                #[serde(rename = $name)]
                $variant($ty),
            )*
        }

        impl ResourceKind {
            /// The CloudFormation type name.
            pub fn type_name(&self) -> &'static str {
                match self {
                    $(ResourceKind::$variant(_) => $name,)*
                }
            }
        }

        $(
            impl From<$ty> for Resource {
                fn from(properties: $ty) -> Resource {
                    Resource {
                        kind: ResourceKind::$variant(properties),
                        depends_on: Vec::new(),
                        deletion_policy: None,
                        update_replace_policy: None,
                    }
                }
            }
        )*
    };
}

resource_kinds! {
    Vpc(Vpc) = "AWS::EC2::VPC",
    VpcCidrBlock(VpcCidrBlock) = "AWS::EC2::VPCCidrBlock",
    Subnet(Subnet) = "AWS::EC2::Subnet",
    InternetGateway(InternetGateway) = "AWS::EC2::InternetGateway",
    VpcGatewayAttachment(VpcGatewayAttachment) = "AWS::EC2::VPCGatewayAttachment",
    Eip(Eip) = "AWS::EC2::EIP",
    NatGateway(NatGateway) = "AWS::EC2::NatGateway",
    RouteTable(RouteTable) = "AWS::EC2::RouteTable",
    Route(Route) = "AWS::EC2::Route",
    SubnetRouteTableAssociation(SubnetRouteTableAssociation) = "AWS::EC2::SubnetRouteTableAssociation",
    VpcEndpoint(VpcEndpoint) = "AWS::EC2::VPCEndpoint",
    SecurityGroup(SecurityGroup) = "AWS::EC2::SecurityGroup",
    SecurityGroupIngress(SecurityGroupIngress) = "AWS::EC2::SecurityGroupIngress",
    Role(Role) = "AWS::IAM::Role",
    Policy(Policy) = "AWS::IAM::Policy",
    ManagedPolicy(ManagedPolicy) = "AWS::IAM::ManagedPolicy",
    Queue(Queue) = "AWS::SQS::Queue",
    QueuePolicy(QueuePolicy) = "AWS::SQS::QueuePolicy",
    EventRule(EventRule) = "AWS::Events::Rule",
    Bucket(Bucket) = "AWS::S3::Bucket",
    BucketPolicy(BucketPolicy) = "AWS::S3::BucketPolicy",
    ApsWorkspace(ApsWorkspace) = "AWS::APS::Workspace",
}

fn is_false(value: &bool) -> bool {
    !*value
}

// ---------------------------------------------------------------------------------------------
// EC2

/// `AWS::EC2::VPC`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Vpc {
    pub cidr_block: Expr,
    pub enable_dns_hostnames: bool,
    pub enable_dns_support: bool,
    pub tags: Vec<Tag>,
}

/// `AWS::EC2::VPCCidrBlock`: a secondary IPv4 block of a VPC.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcCidrBlock {
    pub vpc_id: Expr,
    pub cidr_block: Expr,
}

/// `AWS::EC2::Subnet`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Subnet {
    pub vpc_id: Expr,
    pub cidr_block: Expr,
    pub availability_zone: Expr,
    #[serde(skip_serializing_if = "is_false")]
    pub map_public_ip_on_launch: bool,
    pub tags: Vec<Tag>,
}

/// `AWS::EC2::InternetGateway`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InternetGateway {
    pub tags: Vec<Tag>,
}

/// `AWS::EC2::VPCGatewayAttachment` (internet gateway to VPC).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcGatewayAttachment {
    pub vpc_id: Expr,
    pub internet_gateway_id: Expr,
}

/// `AWS::EC2::EIP`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Eip {
    /// Always `vpc`.
    pub domain: String,
    pub tags: Vec<Tag>,
}

/// `AWS::EC2::NatGateway` (public connectivity).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NatGateway {
    pub allocation_id: Expr,
    pub subnet_id: Expr,
    pub tags: Vec<Tag>,
}

/// `AWS::EC2::RouteTable`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RouteTable {
    pub vpc_id: Expr,
    pub tags: Vec<Tag>,
}

/// `AWS::EC2::Route`: an IPv4 route to an internet or NAT gateway.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Route {
    pub route_table_id: Expr,
    pub destination_cidr_block: Expr,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nat_gateway_id: Option<Expr>,
}

/// `AWS::EC2::SubnetRouteTableAssociation`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubnetRouteTableAssociation {
    pub route_table_id: Expr,
    pub subnet_id: Expr,
}

/// `AWS::EC2::VPCEndpoint` (a gateway endpoint).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcEndpoint {
    pub vpc_id: Expr,
    pub service_name: Expr,
    /// `Gateway` or `Interface`.
    pub vpc_endpoint_type: String,
    pub route_table_ids: Vec<Expr>,
    pub tags: Vec<Tag>,
}

/// An inline rule of a security group.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroupRule {
    /// `-1` for all protocols, else `tcp`, `udp`, `icmp`.
    pub ip_protocol: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr_ip: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `AWS::EC2::SecurityGroup`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroup {
    pub group_name: String,
    pub group_description: String,
    pub vpc_id: Expr,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_group_egress: Vec<SecurityGroupRule>,
    pub tags: Vec<Tag>,
}

/// `AWS::EC2::SecurityGroupIngress`: a rule of its own (needed for a group referring to itself).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroupIngress {
    pub group_id: Expr,
    pub ip_protocol: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_security_group_id: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// IAM policy documents

/// An IAM policy document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyDocument {
    /// Always [`POLICY_VERSION`].
    #[serde(rename = "Version")]
    pub version: &'static str,
    #[serde(rename = "Statement")]
    pub statements: Vec<Statement>,
}

impl PolicyDocument {
    /// A document of these statements.
    pub fn new(statements: Vec<Statement>) -> PolicyDocument {
        PolicyDocument { version: POLICY_VERSION, statements }
    }
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// Who a resource policy or trust policy statement is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// `"*"`: everyone (used with `Deny` and a condition).
    Everyone,
    /// `{"Service": [...]}`.
    Service(Vec<String>),
    /// `{"AWS": [...]}`.
    Aws(Vec<Expr>),
}

impl Serialize for Principal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Principal::Everyone => serializer.serialize_str("*"),
            Principal::Service(services) => One("Service", services).serialize(serializer),
            Principal::Aws(arns) => One("AWS", arns).serialize(serializer),
        }
    }
}

/// Condition operator -> condition key -> values.
pub type Condition = BTreeMap<String, BTreeMap<String, Vec<Expr>>>;

/// One policy statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    #[serde(rename = "Sid", skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(rename = "Effect")]
    pub effect: Effect,
    #[serde(rename = "Principal", skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    #[serde(rename = "Action")]
    pub actions: Vec<String>,
    /// Empty in trust policies.
    #[serde(rename = "Resource", skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<Expr>,
    #[serde(rename = "Condition", skip_serializing_if = "BTreeMap::is_empty")]
    pub condition: Condition,
}

impl Statement {
    /// An `Allow` of `actions` on `resources`.
    pub fn allow(sid: &str, actions: &[&str], resources: Vec<Expr>) -> Statement {
        Statement {
            sid: (!sid.is_empty()).then(|| sid.to_owned()),
            effect: Effect::Allow,
            principal: None,
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
            resources,
            condition: Condition::new(),
        }
    }

    /// A `Deny` of `actions` on `resources`.
    pub fn deny(sid: &str, actions: &[&str], resources: Vec<Expr>) -> Statement {
        Statement { effect: Effect::Deny, ..Statement::allow(sid, actions, resources) }
    }

    /// Sets the principal.
    pub fn principal(mut self, principal: Principal) -> Statement {
        self.principal = Some(principal);
        self
    }

    /// Adds a condition `operator: {key: values}`.
    pub fn when(mut self, operator: &str, key: impl Into<String>, values: Vec<Expr>) -> Statement {
        self.condition.entry(operator.to_owned()).or_default().insert(key.into(), values);
        self
    }
}

// ---------------------------------------------------------------------------------------------
// IAM

/// An inline policy of a role.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InlinePolicy {
    pub policy_name: String,
    pub policy_document: PolicyDocument,
}

/// `AWS::IAM::Role`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Role {
    pub role_name: String,
    pub description: String,
    pub assume_role_policy_document: PolicyDocument,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub managed_policy_arns: Vec<Expr>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<InlinePolicy>,
    pub tags: Vec<Tag>,
}

/// `AWS::IAM::Policy`: an inline policy attached to roles (up to 10,240 characters per role).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Policy {
    pub policy_name: String,
    pub policy_document: PolicyDocument,
    pub roles: Vec<Expr>,
}

/// `AWS::IAM::ManagedPolicy`: a customer-managed policy (up to 6,144 characters).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagedPolicy {
    pub managed_policy_name: String,
    pub description: String,
    pub policy_document: PolicyDocument,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Expr>,
}

// ---------------------------------------------------------------------------------------------
// SQS and EventBridge

/// `AWS::SQS::Queue`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Queue {
    pub queue_name: String,
    /// Seconds.
    pub message_retention_period: u32,
    pub sqs_managed_sse_enabled: bool,
    pub tags: Vec<Tag>,
}

/// `AWS::SQS::QueuePolicy`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueuePolicy {
    /// Queue URLs (`Ref` of a queue).
    pub queues: Vec<Expr>,
    pub policy_document: PolicyDocument,
}

/// The event pattern of a rule: event sources and detail types.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventPattern {
    pub source: Vec<String>,
    #[serde(rename = "detail-type")]
    pub detail_type: Vec<String>,
}

/// A target of a rule.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventTarget {
    pub id: String,
    pub arn: Expr,
}

/// `AWS::Events::Rule` on the default event bus.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EventRule {
    pub name: String,
    pub description: String,
    pub event_pattern: EventPattern,
    /// `ENABLED`.
    pub state: String,
    pub targets: Vec<EventTarget>,
    pub tags: Vec<Tag>,
}

// ---------------------------------------------------------------------------------------------
// S3

/// `AWS::APS::Workspace` (Amazon Managed Service for Prometheus). `Ref` is its ARN; `GetAtt`
/// gives `WorkspaceId`, `Arn` and `PrometheusEndpoint`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApsWorkspace {
    pub alias: String,
    pub tags: Vec<Tag>,
}

/// `AWS::S3::Bucket`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Bucket {
    pub bucket_name: String,
    pub bucket_encryption: BucketEncryption,
    pub public_access_block_configuration: PublicAccessBlockConfiguration,
    pub ownership_controls: OwnershipControls,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versioning_configuration: Option<VersioningConfiguration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle_configuration: Option<LifecycleConfiguration>,
    pub tags: Vec<Tag>,
}

/// `BucketEncryption`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketEncryption {
    pub server_side_encryption_configuration: Vec<ServerSideEncryptionRule>,
}

/// `ServerSideEncryptionRule`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServerSideEncryptionRule {
    pub server_side_encryption_by_default: ServerSideEncryptionByDefault,
    pub bucket_key_enabled: bool,
}

/// `ServerSideEncryptionByDefault`.
#[derive(Debug, Clone, Serialize)]
pub struct ServerSideEncryptionByDefault {
    /// `AES256` or `aws:kms`.
    #[serde(rename = "SSEAlgorithm")]
    pub sse_algorithm: String,
    /// With `aws:kms`: the key (id, ARN or alias); none means the AWS-managed `aws/s3` key.
    #[serde(rename = "KMSMasterKeyID", skip_serializing_if = "Option::is_none")]
    pub kms_master_key_id: Option<Expr>,
}

/// `PublicAccessBlockConfiguration`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublicAccessBlockConfiguration {
    pub block_public_acls: bool,
    pub block_public_policy: bool,
    pub ignore_public_acls: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlockConfiguration {
    /// All four blocks on.
    pub fn all() -> PublicAccessBlockConfiguration {
        PublicAccessBlockConfiguration {
            block_public_acls: true,
            block_public_policy: true,
            ignore_public_acls: true,
            restrict_public_buckets: true,
        }
    }
}

/// `OwnershipControls`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OwnershipControls {
    pub rules: Vec<OwnershipControlsRule>,
}

/// `OwnershipControlsRule`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OwnershipControlsRule {
    /// `BucketOwnerEnforced`: ACLs disabled.
    pub object_ownership: String,
}

/// `VersioningConfiguration`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersioningConfiguration {
    /// `Enabled` or `Suspended`.
    pub status: String,
}

/// `LifecycleConfiguration`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleConfiguration {
    pub rules: Vec<LifecycleRule>,
}

/// `Rule` of a lifecycle configuration.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleRule {
    pub id: String,
    /// `Enabled`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_in_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noncurrent_version_expiration: Option<NoncurrentVersionExpiration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abort_incomplete_multipart_upload: Option<AbortIncompleteMultipartUpload>,
}

/// `NoncurrentVersionExpiration`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NoncurrentVersionExpiration {
    pub noncurrent_days: u32,
}

/// `AbortIncompleteMultipartUpload`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AbortIncompleteMultipartUpload {
    pub days_after_initiation: u32,
}

/// `AWS::S3::BucketPolicy`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketPolicy {
    pub bucket: Expr,
    pub policy_document: PolicyDocument,
}
