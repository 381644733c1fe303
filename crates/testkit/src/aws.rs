//! A faithful AWS test layer: a recording HTTP proxy in front of moto's server, plus an in-process
//! implementation of the EKS calls moto 5.2 lacks.
//!
//! [`AwsProxy::start`] listens on a free loopback port and forwards every request to moto (one
//! request per connection; it answers `Connection: close`). On the way it
//!
//! - records every request as a [`Request`]: the service from the SigV4 credential scope, the
//!   operation name (Query protocol: the `Action` field; JSON protocol: the `X-Amz-Target` suffix;
//!   EKS REST: the real operation name from method and path; S3: a best-effort name, path-style
//!   addressing only, else `S3 <METHOD>`), the method, path and the status answered;
//! - can make one CloudFormation stack look `ROLLBACK_COMPLETE` ([`AwsProxy::fake_rollback`]),
//!   a state moto never produces;
//! - can kill a process while one chosen request is in flight ([`AwsProxy::trap`]): the request
//!   takes effect, the process gets SIGKILL and the client connection is dropped unanswered;
//! - serves the EKS calls moto answers with an HTML 404 itself (the *shim*, below).
//!
//! # What moto 5.2 does for EKS (checked against moto 5.2.5)
//!
//! moto implements clusters (create, describe, list, delete, update-config), node groups (create,
//! describe, list, delete, update-config), Fargate profiles and tags on clusters and node groups.
//! `DeleteCluster` on a cluster with node groups already answers `409 ResourceInUseException`, so the
//! proxy forwards it. moto answers `ListNodegroups` on a missing cluster with a 500 (a `KeyError`);
//! the proxy answers `404 ResourceNotFoundException` instead, as EKS does. Add-ons, pod identity
//! associations, access entries, `UpdateClusterVersion`, `UpdateNodegroupVersion` and
//! `DescribeUpdate` are an HTML 404 in moto and are served here. moto ignores `accessConfig` in
//! `UpdateClusterConfig`.
//!
//! # The EKS shim
//!
//! State lives in the proxy (per region and cluster), never in moto. Every shimmed call on a cluster
//! first asks moto whether the cluster exists (`GET /clusters/{name}`), else answers
//! `404 ResourceNotFoundException`. Errors are shaped like EKS's: the status, an
//! `x-amzn-ErrorType` header and a JSON body `{"message": ...}`. Timestamps are epoch seconds.
//!
//! - Managed add-ons: `CreateAddon`, `DescribeAddon`, `ListAddons`, `UpdateAddon`, `DeleteAddon`,
//!   `DescribeAddonVersions`, and `DescribeUpdate` for add-on updates. A created add-on is `CREATING`
//!   and turns `ACTIVE` on the [`settle_polls`](AwsProxy::set_settle_polls)-th `DescribeAddon` (default
//!   1: the first describe says `ACTIVE`; 0: `ACTIVE` at once). Updates go `UPDATING` → `ACTIVE` and
//!   deletes `DELETING` → gone the same way. `podIdentityAssociations` on an add-on create
//!   associations in `kube-system` owned by the add-on (deleted with it; not updatable directly).
//! - Pod identity associations: create, list (filters `namespace`, `serviceAccount`), describe,
//!   update (`roleArn`, `disableSessionTags`, `targetRoleArn`), delete. A second association for the
//!   same namespace and service account is `409 ResourceInUseException`.
//! - Access entries: create, list, describe, update, delete, and associate, list and disassociate
//!   access policies. Types other than `STANDARD` take no `kubernetesGroups`/`username` and no access
//!   policies (`400 InvalidParameterException`), as in EKS.
//! - `CreateCluster` (forwarded to moto) with `accessConfig.bootstrapClusterCreatorAdminPermissions`
//!   true or absent adds the creator's access entry: `arn:aws:iam::123456789012:user/moto` (moto's
//!   caller identity) with `AmazonEKSClusterAdminPolicy` at cluster scope. Once moto has deleted a
//!   cluster (`DeleteCluster` answered 200), all shim state of that cluster is dropped.
//! - `TagResource`, `UntagResource` and `ListTagsForResource` on add-on, pod identity association and
//!   access entry ARNs.
//! - `UpdateClusterConfig` with `resourcesVpcConfig` is merged over the cluster's current config
//!   before it reaches moto, which would otherwise replace the whole config and lose the subnets
//!   (EKS changes only the fields given).
//! - `AssociateEncryptionConfig` on a cluster without envelope encryption (else
//!   `InvalidParameterException`); `DescribeCluster` shows the config from then on, and the update
//!   is `Successful` at once.
//! - `UpdateClusterVersion` (exactly one minor version up, else `InvalidParameterException`) and
//!   `UpdateNodegroupVersion` (default: the cluster's version; never newer than it): the proxy keeps
//!   the new version and writes it into moto's `DescribeCluster`/`DescribeNodegroup` answers; their
//!   `DescribeUpdate` says `Successful` at once.
//!
//! ## Limits (what real EKS does that the shim does not)
//!
//! - `DescribeAddonVersions` is a canned catalogue: `vpc-cni`, `coredns`, `kube-proxy`,
//!   `eks-pod-identity-agent` and `aws-ebs-csi-driver`, one version each, compatible with every
//!   Kubernetes version (filters other than `addonName` are ignored; no paging). `CreateAddon` without
//!   `addonVersion` takes that version; an add-on outside the catalogue needs an explicit version.
//!   Versions, `configurationValues` (not checked against a schema) and role ARNs are not validated.
//! - No add-on health issues unless a test sets them ([`AwsProxy::degrade_addon`]), no marketplace information, no `namespaceConfig`; `resolveConflicts`
//!   is checked for its enum value only. Nothing is ever installed in a cluster.
//! - No paging (`maxResults`/`nextToken` are ignored; every list answers everything).
//! - The creator entry is always moto's user, whatever credentials signed the request.
//! - Version updates are instant: the cluster or node group never shows `UPDATING`, the update
//!   never fails, `ListUpdates` is not implemented, and a node group's `releaseVersion` is recorded in
//!   the update only. Capabilities, insights and identity provider configs are not implemented
//!   (moto's HTML 404 passes through).
//! - `authenticationMode` is not modelled: moto's cluster answers carry no `accessConfig`, access
//!   entries work on every cluster, and the creator entry is added whatever the mode (real EKS adds
//!   it only for `API` and `API_AND_CONFIG_MAP`, and the API's default mode is `CONFIG_MAP`).
//! - Shim resources are invisible to moto, so the Resource Groups Tagging API does not list them.
//! - `clientRequestToken` idempotency is not honoured.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// moto's account id.
const ACCOUNT: &str = "123456789012";
/// moto's caller identity: the principal that creates every cluster.
pub const CREATOR_ARN: &str = "arn:aws:iam::123456789012:user/moto";
const CLUSTER_ADMIN_POLICY: &str = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";

/// One request that went through the proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The service of the SigV4 credential scope (`eks`, `cloudformation`, `ec2`, `s3`, `sts`, ...);
    /// empty for an unsigned request.
    pub service: String,
    /// The operation name (`CreateStack`, `DescribeAddon`, `PutObject`, ...).
    pub operation: String,
    /// The HTTP method.
    pub method: String,
    /// The request path, without the query string.
    pub path: String,
    /// The status answered (the upstream's for a trapped request, whose answer is dropped).
    pub status: u16,
}

/// The recording proxy in front of moto (see the module docs). Its threads live as long as the
/// test process; it holds no resource worth stopping.
pub struct AwsProxy {
    /// `http://127.0.0.1:<port>`: the endpoint for every AWS client under test.
    pub endpoint: String,
    shared: Arc<Shared>,
}

struct Shared {
    /// `host:port` of moto.
    upstream: String,
    state: Mutex<State>,
}

struct State {
    requests: Vec<Request>,
    fake_rollback: Option<String>,
    traps: Vec<Arc<TrapInner>>,
    settle_polls: u32,
    /// Shim state per (region, cluster name).
    clusters: BTreeMap<(String, String), ClusterState>,
    next_id: u64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl AwsProxy {
    /// Starts a proxy forwarding to `upstream_endpoint` (`http://127.0.0.1:<port>`, moto's).
    pub fn start(upstream_endpoint: &str) -> AwsProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let endpoint = format!("http://{}", listener.local_addr().expect("local addr"));
        let upstream = upstream_endpoint.trim_start_matches("http://").trim_end_matches('/').to_owned();
        let shared = Arc::new(Shared {
            upstream,
            state: Mutex::new(State {
                requests: Vec::new(),
                fake_rollback: None,
                traps: Vec::new(),
                settle_polls: 1,
                clusters: BTreeMap::new(),
                next_id: 0,
            }),
        });
        let accepting = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let shared = accepting.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &shared);
                });
            }
        });
        AwsProxy { endpoint, shared }
    }

    /// Every request so far, in the order their answers were ready.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.lock().requests.clone()
    }

    /// How many requests had this operation name (any service).
    pub fn count(&self, operation: &str) -> usize {
        self.shared.lock().requests.iter().filter(|r| r.operation == operation).count()
    }

    /// The operation names of one service's requests, in order.
    pub fn operations(&self, service: &str) -> Vec<String> {
        self.shared.lock().requests.iter().filter(|r| r.service == service).map(|r| r.operation.clone()).collect()
    }

    /// Forgets the recorded requests (not the shim's state, nor traps).
    pub fn clear(&self) {
        self.shared.lock().requests.clear();
    }

    /// Makes `DescribeStacks` answers for this stack say `ROLLBACK_COMPLETE` instead of
    /// `CREATE_COMPLETE`, until a `DeleteStack` naming it passes.
    pub fn fake_rollback(&self, stack_name: &str) {
        self.shared.lock().fake_rollback = Some(stack_name.to_owned());
    }

    /// How many `DescribeAddon` calls it takes an add-on to leave `CREATING`/`UPDATING`/`DELETING`
    /// (default 1; 0 settles at once). Applies to changes made after the call.
    pub fn set_settle_polls(&self, polls: u32) {
        self.shared.lock().settle_polls = polls;
    }

    /// Makes add-on `name` of cluster `cluster` in `region` `DEGRADED` with one health issue
    /// (`code`, `message`), as EKS reports an add-on whose workload is unhealthy; an `UpdateAddon`
    /// brings it back through `UPDATING` to `ACTIVE`. False when there is no such add-on.
    pub fn degrade_addon(&self, region: &str, cluster: &str, name: &str, code: &str, message: &str) -> bool {
        let mut state = self.shared.lock();
        let Some(addon) =
            state.clusters.get_mut(&(region.to_owned(), cluster.to_owned())).and_then(|c| c.addons.get_mut(name))
        else {
            return false;
        };
        addon.value["status"] = json!("DEGRADED");
        addon.value["health"] = json!({"issues": [{"code": code, "message": message, "resourceIds": []}]});
        addon.polls_left = 0;
        true
    }

    /// Sets a trap on the `occurrence`-th (1-based, counted from now) request with this operation
    /// name. When it arrives the proxy waits until the trap is [armed](Trap::arm) (at most 60 s;
    /// unarmed by then, the request is answered normally), lets the request take effect, sends
    /// SIGKILL to the armed pid and drops the client connection without an answer.
    pub fn trap(&self, operation: &str, occurrence: usize) -> Trap {
        let inner = Arc::new(TrapInner {
            operation: operation.to_owned(),
            occurrence: occurrence.max(1),
            state: Mutex::new(TrapState::default()),
            changed: Condvar::new(),
        });
        self.shared.lock().traps.push(inner.clone());
        Trap { inner }
    }
}

/// Every EKS operation that changes something, by the names [`Request::operation`] records: what a
/// converged `up` or a plan must never call.
pub const EKS_WRITES: &[&str] = &[
    "CreateCluster",
    "UpdateClusterConfig",
    "UpdateClusterVersion",
    "AssociateEncryptionConfig",
    "TagResource",
    "UntagResource",
    "CreateNodegroup",
    "UpdateNodegroupConfig",
    "UpdateNodegroupVersion",
    "DeleteNodegroup",
    "CreateAddon",
    "UpdateAddon",
    "DeleteAddon",
    "CreateAccessEntry",
    "AssociateAccessPolicy",
    "CreatePodIdentityAssociation",
    "UpdatePodIdentityAssociation",
    "DeletePodIdentityAssociation",
    "DeleteCluster",
];

// ---------------------------------------------------------------------------------------------
// Traps
// ---------------------------------------------------------------------------------------------

/// A kill -9 trap set by [`AwsProxy::trap`].
pub struct Trap {
    inner: Arc<TrapInner>,
}

struct TrapInner {
    operation: String,
    occurrence: usize,
    state: Mutex<TrapState>,
    changed: Condvar,
}

#[derive(Default)]
struct TrapState {
    pid: Option<u32>,
    seen: usize,
    sprung: bool,
    fired: bool,
}

impl TrapInner {
    fn lock(&self) -> MutexGuard<'_, TrapState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Trap {
    /// The process to kill when the trap springs.
    pub fn arm(&self, pid: u32) {
        self.inner.lock().pid = Some(pid);
        self.inner.changed.notify_all();
    }

    /// True once the process was killed and the connection dropped. The child may be reaped a
    /// moment before this turns true; tests waiting on the child use [`Trap::wait_fired`].
    pub fn fired(&self) -> bool {
        self.inner.lock().fired
    }

    /// Waits up to `timeout` for the trap to fire; true when it did.
    pub fn wait_fired(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.inner.lock();
        while !state.fired {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = self.inner.changed.wait_timeout(state, left).unwrap_or_else(|e| e.into_inner()).0;
        }
        true
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing
// ---------------------------------------------------------------------------------------------

struct Incoming {
    method: String,
    /// Path and query as sent.
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Incoming {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    fn query(&self) -> Vec<(String, String)> {
        self.target.split_once('?').map(|(_, q)| form_pairs(q)).unwrap_or_default()
    }
}

struct Reply {
    status: u16,
    /// The status line's reason phrase.
    reason: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn json(status: u16, value: &Value) -> Reply {
        Reply {
            status,
            reason: reason(status).to_owned(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: value.to_string().into_bytes(),
        }
    }

    fn ok(value: Value) -> Reply {
        Reply::json(200, &value)
    }

    fn error(status: u16, kind: &str, message: impl Into<String>) -> Reply {
        let mut reply = Reply::json(status, &json!({ "message": message.into() }));
        reply.headers.push(("x-amzn-ErrorType".into(), kind.into()));
        reply
    }

    fn not_found(message: impl Into<String>) -> Reply {
        Reply::error(404, "ResourceNotFoundException", message)
    }

    fn in_use(message: impl Into<String>) -> Reply {
        Reply::error(409, "ResourceInUseException", message)
    }

    fn invalid(message: impl Into<String>) -> Reply {
        Reply::error(400, "InvalidParameterException", message)
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        409 => "Conflict",
        _ => "Error",
    }
}

fn read_line(reader: &mut impl BufRead) -> std::io::Result<String> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Reads an HTTP/1.1 chunked body (after the head).
fn read_chunked(reader: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line = read_line(reader)?;
        let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "bad chunk size"))?;
        if size == 0 {
            // Trailers, up to the empty line.
            while !read_line(reader)?.is_empty() {}
            return Ok(body);
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        read_line(reader)?;
    }
}

fn read_request(client: &mut TcpStream) -> std::io::Result<Option<Incoming>> {
    let mut reader = BufReader::new(client.try_clone()?);
    let request_line = read_line(&mut reader)?;
    if request_line.is_empty() {
        return Ok(None);
    }
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or("").to_owned();
    let target = parts.next().unwrap_or("/").to_owned();
    let mut headers = Vec::new();
    loop {
        let line = read_line(&mut reader)?;
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let mut incoming = Incoming { method, target, headers, body: Vec::new() };
    if incoming.header("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        client.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    if incoming.header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        incoming.body = read_chunked(&mut reader)?;
    } else {
        let length = incoming.header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0usize);
        incoming.body = vec![0; length];
        reader.read_exact(&mut incoming.body)?;
    }
    Ok(Some(incoming))
}

/// Sends a request to moto and reads its whole answer (moto closes the connection).
fn send_upstream(upstream: &str, method: &str, target: &str, headers: &[(String, String)], body: &[u8]) -> Reply {
    match try_send_upstream(upstream, method, target, headers, body) {
        Ok(reply) => reply,
        Err(e) => {
            let mut reply = Reply::error(502, "ProxyError", format!("upstream {upstream}: {e}"));
            reply.reason = "Bad Gateway".into();
            reply
        }
    }
}

fn try_send_upstream(
    upstream: &str,
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> std::io::Result<Reply> {
    let mut up = TcpStream::connect(upstream)?;
    let mut head = format!("{method} {target} HTTP/1.1\r\n");
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        if ["connection", "content-length", "transfer-encoding", "expect"].contains(&lower.as_str()) {
            continue;
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()));
    up.write_all(head.as_bytes())?;
    up.write_all(body)?;
    let mut reader = BufReader::new(up);
    let status_line = read_line(&mut reader)?;
    let mut parts = status_line.splitn(3, ' ');
    let _version = parts.next();
    let status = parts.next().and_then(|s| s.parse().ok()).unwrap_or(502);
    let reason = parts.next().unwrap_or("").to_owned();
    let mut headers = Vec::new();
    loop {
        let line = read_line(&mut reader)?;
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        headers.retain(|(k, _)| !k.eq_ignore_ascii_case("transfer-encoding"));
        read_chunked(&mut reader)?
    } else {
        let mut body = Vec::new();
        reader.read_to_end(&mut body)?;
        body
    };
    Ok(Reply { status, reason, headers, body })
}

fn write_reply(client: &mut TcpStream, reply: &Reply, head_request: bool) -> std::io::Result<()> {
    let mut out = format!("HTTP/1.1 {} {}\r\n", reply.status, reply.reason);
    let mut has_length = false;
    for (name, value) in &reply.headers {
        let lower = name.to_ascii_lowercase();
        if lower == "connection" || lower == "transfer-encoding" {
            continue;
        }
        if lower == "content-length" {
            // A HEAD answer keeps the length of the body it does not carry.
            if !head_request {
                continue;
            }
            has_length = true;
        }
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    if !head_request || !has_length {
        out.push_str(&format!("Content-Length: {}\r\n", if head_request { 0 } else { reply.body.len() }));
    }
    out.push_str("Connection: close\r\n\r\n");
    client.write_all(out.as_bytes())?;
    if !head_request {
        client.write_all(&reply.body)?;
    }
    client.flush()
}

// ---------------------------------------------------------------------------------------------
// Naming requests
// ---------------------------------------------------------------------------------------------

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `a=b&c=d` pairs, decoded.
fn form_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(&k.replace('+', " ")), percent_decode(&v.replace('+', " ")))
        })
        .collect()
}

/// (region, service) of the SigV4 credential scope, from the `Authorization` header or a presigned
/// URL's `X-Amz-Credential`.
fn credential_scope(request: &Incoming) -> (String, String) {
    let credential = request
        .header("authorization")
        .and_then(|auth| auth.split("Credential=").nth(1))
        .map(|c| c.split([',', ' ']).next().unwrap_or("").to_owned())
        .or_else(|| request.query().into_iter().find(|(k, _)| k == "X-Amz-Credential").map(|(_, v)| v));
    let Some(credential) = credential else { return (String::new(), String::new()) };
    let parts: Vec<&str> = credential.split('/').collect();
    (parts.get(2).unwrap_or(&"").to_string(), parts.get(3).unwrap_or(&"").to_string())
}

/// The path's segments, split before percent-decoding (an encoded ARN stays one segment).
fn segments(path: &str) -> Vec<String> {
    path.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect()
}

fn operation_name(request: &Incoming, service: &str) -> String {
    if let Some(target) = request.header("x-amz-target") {
        return target.rsplit('.').next().unwrap_or(target).to_owned();
    }
    let form_action = || {
        let content_type = request.header("content-type").unwrap_or("");
        let mut pairs = request.query();
        if content_type.starts_with("application/x-www-form-urlencoded") {
            pairs.extend(form_pairs(&String::from_utf8_lossy(&request.body)));
        }
        pairs.into_iter().find(|(k, _)| k == "Action").map(|(_, v)| v)
    };
    let method = request.method.as_str();
    let segs = segments(request.path());
    match service {
        "eks" => eks_operation(method, &segs),
        "s3" => s3_operation(request, &segs),
        "" => form_action().unwrap_or_else(|| format!("UNSIGNED {method}")),
        _ => form_action().unwrap_or_else(|| format!("{} {method}", service.to_uppercase())),
    }
}

fn eks_operation(method: &str, segs: &[String]) -> String {
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let name = match (method, s.as_slice()) {
        ("GET", ["clusters"]) => "ListClusters",
        ("POST", ["clusters"]) => "CreateCluster",
        ("GET", ["clusters", _]) => "DescribeCluster",
        ("DELETE", ["clusters", _]) => "DeleteCluster",
        ("POST", ["clusters", _, "update-config"]) => "UpdateClusterConfig",
        ("POST", ["clusters", _, "updates"]) => "UpdateClusterVersion",
        ("POST", ["clusters", _, "encryption-config", "associate"]) => "AssociateEncryptionConfig",
        ("GET", ["clusters", _, "updates"]) => "ListUpdates",
        ("GET", ["clusters", _, "updates", _]) => "DescribeUpdate",
        ("POST", ["clusters", _, "node-groups"]) => "CreateNodegroup",
        ("GET", ["clusters", _, "node-groups"]) => "ListNodegroups",
        ("GET", ["clusters", _, "node-groups", _]) => "DescribeNodegroup",
        ("DELETE", ["clusters", _, "node-groups", _]) => "DeleteNodegroup",
        ("POST", ["clusters", _, "node-groups", _, "update-config"]) => "UpdateNodegroupConfig",
        ("POST", ["clusters", _, "node-groups", _, "update-version"]) => "UpdateNodegroupVersion",
        ("POST", ["clusters", _, "fargate-profiles"]) => "CreateFargateProfile",
        ("GET", ["clusters", _, "fargate-profiles"]) => "ListFargateProfiles",
        ("GET", ["clusters", _, "fargate-profiles", _]) => "DescribeFargateProfile",
        ("DELETE", ["clusters", _, "fargate-profiles", _]) => "DeleteFargateProfile",
        ("POST", ["clusters", _, "addons"]) => "CreateAddon",
        ("GET", ["clusters", _, "addons"]) => "ListAddons",
        ("GET", ["clusters", _, "addons", _]) => "DescribeAddon",
        ("DELETE", ["clusters", _, "addons", _]) => "DeleteAddon",
        ("POST", ["clusters", _, "addons", _, "update"]) => "UpdateAddon",
        ("GET", ["addons", "supported-versions"]) => "DescribeAddonVersions",
        ("GET", ["addons", "configuration-schemas"]) => "DescribeAddonConfiguration",
        ("POST", ["clusters", _, "pod-identity-associations"]) => "CreatePodIdentityAssociation",
        ("GET", ["clusters", _, "pod-identity-associations"]) => "ListPodIdentityAssociations",
        ("GET", ["clusters", _, "pod-identity-associations", _]) => "DescribePodIdentityAssociation",
        ("POST", ["clusters", _, "pod-identity-associations", _]) => "UpdatePodIdentityAssociation",
        ("DELETE", ["clusters", _, "pod-identity-associations", _]) => "DeletePodIdentityAssociation",
        ("POST", ["clusters", _, "access-entries"]) => "CreateAccessEntry",
        ("GET", ["clusters", _, "access-entries"]) => "ListAccessEntries",
        ("GET", ["clusters", _, "access-entries", _]) => "DescribeAccessEntry",
        ("POST", ["clusters", _, "access-entries", _]) => "UpdateAccessEntry",
        ("DELETE", ["clusters", _, "access-entries", _]) => "DeleteAccessEntry",
        ("POST", ["clusters", _, "access-entries", _, "access-policies"]) => "AssociateAccessPolicy",
        ("GET", ["clusters", _, "access-entries", _, "access-policies"]) => "ListAssociatedAccessPolicies",
        ("DELETE", ["clusters", _, "access-entries", _, "access-policies", _]) => "DisassociateAccessPolicy",
        ("GET", ["access-policies"]) => "ListAccessPolicies",
        ("POST", ["tags", _]) => "TagResource",
        ("DELETE", ["tags", _]) => "UntagResource",
        ("GET", ["tags", _]) => "ListTagsForResource",
        _ => return format!("EKS {method} /{}", segs.join("/")),
    };
    name.to_owned()
}

fn s3_operation(request: &Incoming, segs: &[String]) -> String {
    let query: Vec<String> = request.query().into_iter().map(|(k, _)| k).collect();
    let has = |key: &str| query.iter().any(|k| k == key);
    let method = request.method.as_str();
    let name = match (method, segs.len()) {
        ("GET", 0) => "ListBuckets",
        ("PUT", 1) if has("tagging") => "PutBucketTagging",
        ("PUT", 1) if has("versioning") => "PutBucketVersioning",
        ("PUT", 1) if has("policy") => "PutBucketPolicy",
        ("PUT", 1) if has("encryption") => "PutBucketEncryption",
        ("PUT", 1) if has("lifecycle") => "PutBucketLifecycleConfiguration",
        ("PUT", 1) if has("publicAccessBlock") => "PutPublicAccessBlock",
        ("PUT", 1) => "CreateBucket",
        ("GET", 1) if has("tagging") => "GetBucketTagging",
        ("GET", 1) if has("versioning") => "GetBucketVersioning",
        ("GET", 1) if has("versions") => "ListObjectVersions",
        ("GET", 1) if has("location") => "GetBucketLocation",
        ("GET", 1) if has("policy") => "GetBucketPolicy",
        ("GET", 1) if has("uploads") => "ListMultipartUploads",
        ("GET", 1) if query.iter().any(|k| k == "list-type") => "ListObjectsV2",
        ("GET", 1) => "ListObjects",
        ("HEAD", 1) => "HeadBucket",
        ("DELETE", 1) if has("tagging") => "DeleteBucketTagging",
        ("DELETE", 1) if has("policy") => "DeleteBucketPolicy",
        ("DELETE", 1) => "DeleteBucket",
        ("POST", 1) if has("delete") => "DeleteObjects",
        ("PUT", _) if has("tagging") => "PutObjectTagging",
        ("PUT", _) if has("uploadId") => "UploadPart",
        ("PUT", _) if request.header("x-amz-copy-source").is_some() => "CopyObject",
        ("PUT", _) => "PutObject",
        ("GET", _) if has("tagging") => "GetObjectTagging",
        ("GET", _) => "GetObject",
        ("HEAD", _) => "HeadObject",
        ("DELETE", _) if has("uploadId") => "AbortMultipartUpload",
        ("DELETE", _) => "DeleteObject",
        ("POST", _) if has("uploads") => "CreateMultipartUpload",
        ("POST", _) if has("uploadId") => "CompleteMultipartUpload",
        _ => return format!("S3 {method}"),
    };
    name.to_owned()
}

// ---------------------------------------------------------------------------------------------
// Serving one connection
// ---------------------------------------------------------------------------------------------

fn serve(mut client: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let Some(request) = read_request(&mut client)? else { return Ok(()) };
    let (region, service) = credential_scope(&request);
    let operation = operation_name(&request, &service);

    // Traps: count matching requests; this one may spring one.
    let sprung = {
        let state = shared.lock();
        let mut sprung = None;
        for trap in state.traps.iter().filter(|t| t.operation == operation) {
            let mut trap_state = trap.lock();
            if trap_state.sprung {
                continue;
            }
            trap_state.seen += 1;
            if trap_state.seen == trap.occurrence && sprung.is_none() {
                trap_state.sprung = true;
                sprung = Some(trap.clone());
            }
        }
        sprung
    };
    let pid = sprung.as_ref().and_then(|trap| {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut state = trap.lock();
        while state.pid.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            state = trap.changed.wait_timeout(state, left).unwrap_or_else(|e| e.into_inner()).0;
        }
        state.pid
    });

    let form = String::from_utf8_lossy(&request.body).into_owned();
    let rollback = {
        let mut state = shared.lock();
        if operation == "DeleteStack" && state.fake_rollback.as_deref().is_some_and(|name| form.contains(name)) {
            state.fake_rollback = None;
        }
        if operation == "DescribeStacks" { state.fake_rollback.clone() } else { None }
    };

    let mut reply =
        if service == "eks" { eks(shared, &request, &region, &operation) } else { forward(shared, &request) };

    if let Some(name) = rollback {
        let text = String::from_utf8_lossy(&reply.body).into_owned();
        if text.contains(&format!("<StackName>{name}</StackName>")) {
            reply.body = text
                .replace("<StackStatus>CREATE_COMPLETE</StackStatus>", "<StackStatus>ROLLBACK_COMPLETE</StackStatus>")
                .into_bytes();
        }
    }

    shared.lock().requests.push(Request {
        service,
        operation,
        method: request.method.clone(),
        path: request.path().to_owned(),
        status: reply.status,
    });

    if let (Some(trap), Some(pid)) = (&sprung, pid) {
        let _ = std::process::Command::new("kill").arg("-9").arg(pid.to_string()).status();
        let _ = client.shutdown(Shutdown::Both);
        drop(client);
        trap.lock().fired = true;
        trap.changed.notify_all();
        return Ok(());
    }
    write_reply(&mut client, &reply, request.method == "HEAD")
}

fn forward(shared: &Shared, request: &Incoming) -> Reply {
    send_upstream(&shared.upstream, &request.method, &request.target, &request.headers, &request.body)
}

// ---------------------------------------------------------------------------------------------
// The EKS shim
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct ClusterState {
    addons: BTreeMap<String, Addon>,
    /// By association id.
    associations: BTreeMap<String, Value>,
    /// By principal ARN.
    access_entries: BTreeMap<String, AccessEntry>,
    /// Updates: id → (the add-on it changes, if any, and the update).
    updates: BTreeMap<String, (Option<String>, Value)>,
    /// The Kubernetes version after an `UpdateClusterVersion` (moto keeps its own).
    version: Option<String>,
    /// Node group versions after `UpdateNodegroupVersion`, by node group name.
    nodegroup_versions: BTreeMap<String, String>,
    /// The encryption config after an `AssociateEncryptionConfig` (moto has no such call).
    encryption: Option<Value>,
}

struct Addon {
    value: Value,
    /// Describe calls left before the current transition completes.
    polls_left: u32,
}

struct AccessEntry {
    value: Value,
    /// By policy ARN.
    policies: BTreeMap<String, Value>,
}

/// The canned add-on catalogue: name and default version.
const CATALOGUE: &[(&str, &str)] = &[
    ("vpc-cni", "v1.19.2-eksbuild.1"),
    ("coredns", "v1.11.4-eksbuild.2"),
    ("kube-proxy", "v1.32.0-eksbuild.2"),
    ("eks-pod-identity-agent", "v1.3.4-eksbuild.1"),
    ("aws-ebs-csi-driver", "v1.38.1-eksbuild.2"),
];

fn now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

/// A pseudo-random lowercase alphanumeric string (xorshift seeded from the clock and a counter).
fn random_string(state: &mut State, len: usize, alphabet: &[u8]) -> String {
    state.next_id += 1;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let mut x = (nanos as u64) ^ state.next_id.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(std::process::id());
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            alphabet[(x % alphabet.len() as u64) as usize] as char
        })
        .collect()
}

fn uuid(state: &mut State) -> String {
    let hex = random_string(state, 32, b"0123456789abcdef");
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

fn str_field<'a>(body: &'a Value, key: &str) -> Option<&'a str> {
    body.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn tags_of(body: &Value) -> Value {
    body.get("tags").cloned().filter(Value::is_object).unwrap_or_else(|| json!({}))
}

/// Moves a transitional add-on one describe poll on; false when a deletion completed (it is gone).
fn settle(addon: &mut Addon) -> bool {
    let status = addon.value["status"].as_str().unwrap_or("").to_owned();
    if !matches!(status.as_str(), "CREATING" | "UPDATING" | "DELETING") {
        return true;
    }
    addon.polls_left = addon.polls_left.saturating_sub(1);
    if addon.polls_left > 0 {
        return true;
    }
    if status == "DELETING" {
        return false;
    }
    addon.value["status"] = json!("ACTIVE");
    true
}

fn cluster_exists(shared: &Shared, region: &str, cluster: &str) -> bool {
    describe_upstream(shared, region, &format!("/clusters/{}", encode_segment(cluster))).is_some()
}

fn encode_segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn no_cluster(cluster: &str) -> Reply {
    Reply::not_found(format!("No cluster found for name: {cluster}."))
}

/// Serves an EKS request: the shim's calls itself, the rest through moto.
fn eks(shared: &Shared, request: &Incoming, region: &str, operation: &str) -> Reply {
    let segs = segments(request.path());
    let body: Value = if request.body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&request.body) {
            Ok(body) => body,
            Err(e) => return Reply::invalid(format!("invalid JSON body: {e}")),
        }
    };
    let query = request.query();
    let region = if region.is_empty() { "us-west-2" } else { region };

    match operation {
        "CreateCluster" => {
            let reply = forward(shared, request);
            if reply.status == 200 {
                let name = str_field(&body, "name").unwrap_or_default().to_owned();
                let bootstrap = body
                    .pointer("/accessConfig/bootstrapClusterCreatorAdminPermissions")
                    .and_then(Value::as_bool)
                    .unwrap_or(true);
                let mut state = shared.lock();
                let key = (region.to_owned(), name.clone());
                state.clusters.remove(&key);
                if bootstrap {
                    let entry =
                        new_access_entry(&mut state, region, &name, CREATOR_ARN, "STANDARD", vec![], None, json!({}));
                    let mut entry = AccessEntry { value: entry, policies: BTreeMap::new() };
                    let at = now();
                    entry.policies.insert(
                        CLUSTER_ADMIN_POLICY.to_owned(),
                        json!({ "policyArn": CLUSTER_ADMIN_POLICY, "accessScope": { "type": "cluster", "namespaces": [] },
                                "associatedAt": at, "modifiedAt": at }),
                    );
                    state.clusters.entry(key).or_default().access_entries.insert(CREATOR_ARN.to_owned(), entry);
                }
            }
            return reply;
        }
        "DeleteCluster" => {
            let reply = forward(shared, request);
            if reply.status == 200
                && let Some(name) = segs.get(1)
            {
                shared.lock().clusters.remove(&(region.to_owned(), name.clone()));
            }
            return reply;
        }
        "ListNodegroups" => {
            let cluster = segs.get(1).cloned().unwrap_or_default();
            if !cluster_exists(shared, region, &cluster) {
                return no_cluster(&cluster);
            }
            return forward(shared, request);
        }
        "DescribeAddonVersions" => return describe_addon_versions(&query),
        "TagResource" | "UntagResource" | "ListTagsForResource" => {
            let arn = segs.get(1).cloned().unwrap_or_default();
            if [":addon/", ":podidentityassociation/", ":access-entry/"].iter().any(|k| arn.contains(k)) {
                return shim_tags(shared, operation, &arn, &body, &query);
            }
            return forward(shared, request);
        }
        "DescribeUpdate" => {
            let cluster = segs.get(1).cloned().unwrap_or_default();
            let id = segs.get(3).cloned().unwrap_or_default();
            let mut state = shared.lock();
            let Some(cluster_state) = state.clusters.get_mut(&(region.to_owned(), cluster)) else {
                drop(state);
                return forward(shared, request);
            };
            let Some((addon, update)) = cluster_state.updates.get(&id) else {
                drop(state);
                return forward(shared, request);
            };
            let mut update = update.clone();
            let addon = addon.as_ref().and_then(|name| cluster_state.addons.get(name));
            let status = addon.and_then(|a| a.value["status"].as_str()).unwrap_or("");
            update["status"] = json!(if status == "UPDATING" { "InProgress" } else { "Successful" });
            return Reply::ok(json!({ "update": update }));
        }
        "DescribeCluster" | "DescribeNodegroup" => {
            let mut reply = forward(shared, request);
            let cluster = segs.get(1).cloned().unwrap_or_default();
            let state = shared.lock();
            let Some(cs) = state.clusters.get(&(region.to_owned(), cluster)) else { return reply };
            let (field, version) = match segs.get(3) {
                None => ("cluster", cs.version.clone()),
                Some(nodegroup) => ("nodegroup", cs.nodegroup_versions.get(nodegroup).cloned()),
            };
            let encryption = if field == "cluster" { cs.encryption.clone() } else { None };
            if reply.status == 200 && (version.is_some() || encryption.is_some()) {
                let mut value: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
                if value[field].is_object() {
                    if let Some(version) = version {
                        value[field]["version"] = json!(version);
                    }
                    if let Some(encryption) = encryption {
                        value[field]["encryptionConfig"] = encryption;
                    }
                    reply.body = value.to_string().into_bytes();
                }
            }
            return reply;
        }
        "CreateNodegroup" | "DeleteNodegroup" => {
            let reply = forward(shared, request);
            let nodegroup = if operation == "CreateNodegroup" {
                str_field(&body, "nodegroupName").map(str::to_owned)
            } else {
                segs.get(3).cloned()
            };
            if let (200, Some(nodegroup)) = (reply.status, nodegroup) {
                let cluster = segs.get(1).cloned().unwrap_or_default();
                if let Some(cs) = shared.lock().clusters.get_mut(&(region.to_owned(), cluster)) {
                    cs.nodegroup_versions.remove(&nodegroup);
                }
            }
            return reply;
        }
        "UpdateClusterVersion" | "UpdateNodegroupVersion" => {
            return update_version(shared, region, operation, &segs, &body);
        }
        "AssociateEncryptionConfig" => return associate_encryption(shared, region, &segs, &body),
        "UpdateClusterConfig" if body.get("resourcesVpcConfig").is_some() => {
            return update_vpc_config(shared, request, region, &segs, &body);
        }
        _ => {}
    }

    let shimmed =
        matches!(segs.get(2).map(String::as_str), Some("addons" | "pod-identity-associations" | "access-entries"))
            && segs.first().map(String::as_str) == Some("clusters");
    if !shimmed {
        return forward(shared, request);
    }
    let cluster = segs[1].clone();
    if !cluster_exists(shared, region, &cluster) {
        return no_cluster(&cluster);
    }
    let mut state = shared.lock();
    let settle_polls = state.settle_polls;
    let key = (region.to_owned(), cluster.clone());
    state.clusters.entry(key.clone()).or_default();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    match (operation, s.as_slice()) {
        ("CreateAddon", _) => create_addon(&mut state, &key, &body, settle_polls),
        ("ListAddons", _) => {
            let names: Vec<&String> = state.clusters[&key].addons.keys().collect();
            Reply::ok(json!({ "addons": names }))
        }
        ("DescribeAddon", [_, _, _, name]) => {
            let cs = state.clusters.get_mut(&key).expect("cluster state");
            let Some(addon) = cs.addons.get_mut(*name) else { return addon_not_found(name) };
            if !settle(addon) {
                cs.addons.remove(*name);
                return addon_not_found(name);
            }
            Reply::ok(json!({ "addon": addon.value }))
        }
        ("UpdateAddon", [_, _, _, name, _]) => update_addon(&mut state, &key, name, &body, settle_polls),
        ("DeleteAddon", [_, _, _, name]) => {
            let preserve = query.iter().any(|(k, v)| k == "preserve" && v == "true");
            let cs = state.clusters.get_mut(&key).expect("cluster state");
            let Some(addon) = cs.addons.get_mut(*name) else { return addon_not_found(name) };
            addon.value["status"] = json!("DELETING");
            addon.value["modifiedAt"] = json!(now());
            addon.polls_left = settle_polls;
            let value = addon.value.clone();
            if settle_polls == 0 {
                cs.addons.remove(*name);
            }
            if !preserve {
                let arn = value["addonArn"].clone();
                cs.associations.retain(|_, a| a.get("ownerArn") != Some(&arn));
            }
            Reply::ok(json!({ "addon": value }))
        }
        ("CreatePodIdentityAssociation", _) => {
            let (Some(namespace), Some(service_account), Some(role)) =
                (str_field(&body, "namespace"), str_field(&body, "serviceAccount"), str_field(&body, "roleArn"))
            else {
                return Reply::invalid("namespace, serviceAccount and roleArn are required.");
            };
            match create_association(&mut state, &key, namespace, service_account, role, None, &body) {
                Ok(value) => Reply::ok(json!({ "association": value })),
                Err(reply) => reply,
            }
        }
        ("ListPodIdentityAssociations", _) => {
            let namespace = query.iter().find(|(k, _)| k == "namespace").map(|(_, v)| v.as_str());
            let account = query.iter().find(|(k, _)| k == "serviceAccount").map(|(_, v)| v.as_str());
            let list: Vec<Value> = state.clusters[&key]
                .associations
                .values()
                .filter(|a| namespace.is_none_or(|n| a["namespace"] == n))
                .filter(|a| account.is_none_or(|n| a["serviceAccount"] == n))
                .map(|a| {
                    let mut summary = json!({});
                    for field in
                        ["clusterName", "namespace", "serviceAccount", "associationArn", "associationId", "ownerArn"]
                    {
                        if let Some(v) = a.get(field) {
                            summary[field] = v.clone();
                        }
                    }
                    summary
                })
                .collect();
            Reply::ok(json!({ "associations": list }))
        }
        ("DescribePodIdentityAssociation", [_, _, _, id]) => match state.clusters[&key].associations.get(*id) {
            Some(a) => Reply::ok(json!({ "association": a })),
            None => association_not_found(id),
        },
        ("UpdatePodIdentityAssociation", [_, _, _, id]) => {
            let cs = state.clusters.get_mut(&key).expect("cluster state");
            let Some(a) = cs.associations.get_mut(*id) else { return association_not_found(id) };
            if a.get("ownerArn").is_some() {
                return Reply::error(
                    400,
                    "InvalidRequestException",
                    "Pod identity association is managed by an add-on; update the add-on instead.",
                );
            }
            for field in ["roleArn", "disableSessionTags", "targetRoleArn"] {
                if let Some(v) = body.get(field).filter(|v| !v.is_null()) {
                    a[field] = v.clone();
                }
            }
            a["modifiedAt"] = json!(now());
            Reply::ok(json!({ "association": a }))
        }
        ("DeletePodIdentityAssociation", [_, _, _, id]) => {
            let cs = state.clusters.get_mut(&key).expect("cluster state");
            match cs.associations.get(*id) {
                None => association_not_found(id),
                Some(a) if a.get("ownerArn").is_some() => Reply::error(
                    400,
                    "InvalidRequestException",
                    "Pod identity association is managed by an add-on; delete or update the add-on instead.",
                ),
                Some(_) => Reply::ok(json!({ "association": cs.associations.remove(*id) })),
            }
        }
        ("CreateAccessEntry", _) => create_access_entry(&mut state, &key, &body),
        ("ListAccessEntries", _) => {
            let list: Vec<&String> = state.clusters[&key].access_entries.keys().collect();
            Reply::ok(json!({ "accessEntries": list }))
        }
        ("DescribeAccessEntry", [_, _, _, principal]) => match state.clusters[&key].access_entries.get(*principal) {
            Some(entry) => Reply::ok(json!({ "accessEntry": entry.value })),
            None => entry_not_found(principal),
        },
        ("UpdateAccessEntry", [_, _, _, principal]) => {
            let cs = state.clusters.get_mut(&key).expect("cluster state");
            let Some(entry) = cs.access_entries.get_mut(*principal) else { return entry_not_found(principal) };
            let standard = entry.value["type"] == "STANDARD";
            if !standard && (body.get("kubernetesGroups").is_some() || body.get("username").is_some()) {
                return Reply::invalid(format!(
                    "The kubernetesGroups and username cannot be updated for access entries of type {}.",
                    entry.value["type"].as_str().unwrap_or("")
                ));
            }
            for field in ["kubernetesGroups", "username"] {
                if let Some(v) = body.get(field).filter(|v| !v.is_null()) {
                    entry.value[field] = v.clone();
                }
            }
            entry.value["modifiedAt"] = json!(now());
            Reply::ok(json!({ "accessEntry": entry.value }))
        }
        ("DeleteAccessEntry", [_, _, _, principal]) => {
            let cs = state.clusters.get_mut(&key).expect("cluster state");
            match cs.access_entries.remove(*principal) {
                Some(_) => Reply::ok(json!({})),
                None => entry_not_found(principal),
            }
        }
        ("AssociateAccessPolicy", [_, _, _, principal, _]) => {
            let cs = state.clusters.get_mut(&key).expect("cluster state");
            let Some(entry) = cs.access_entries.get_mut(*principal) else { return entry_not_found(principal) };
            associate_policy(&cluster, principal, entry, &body)
        }
        ("ListAssociatedAccessPolicies", [_, _, _, principal, _]) => {
            let Some(entry) = state.clusters[&key].access_entries.get(*principal) else {
                return entry_not_found(principal);
            };
            let policies: Vec<&Value> = entry.policies.values().collect();
            Reply::ok(
                json!({ "clusterName": cluster, "principalArn": principal, "associatedAccessPolicies": policies }),
            )
        }
        ("DisassociateAccessPolicy", [_, _, _, principal, _, policy]) => {
            let cs = state.clusters.get_mut(&key).expect("cluster state");
            let Some(entry) = cs.access_entries.get_mut(*principal) else { return entry_not_found(principal) };
            match entry.policies.remove(*policy) {
                Some(_) => Reply::ok(json!({})),
                None => Reply::not_found(format!("The specified policy {policy} is not associated with {principal}.")),
            }
        }
        _ => {
            drop(state);
            forward(shared, request)
        }
    }
}

/// moto's answer to a GET of one of its EKS resources (`/clusters/{name}[/node-groups/{ng}]`).
fn describe_upstream(shared: &Shared, region: &str, target: &str) -> Option<Value> {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=testing/20240101/{region}/eks/aws4_request, SignedHeaders=host, Signature=00"
    );
    let headers = vec![("Host".to_owned(), shared.upstream.clone()), ("Authorization".to_owned(), auth)];
    let reply = send_upstream(&shared.upstream, "GET", target, &headers, &[]);
    (reply.status == 200).then(|| serde_json::from_slice(&reply.body).ok()).flatten()
}

/// `1.33` → (1, 33).
fn minor(version: &str) -> Option<(u32, u32)> {
    let (major, minor) = version.split_once('.')?;
    Some((major.parse().ok()?, minor.split('.').next()?.parse().ok()?))
}

/// `UpdateClusterVersion` (one minor version up at a time) and `UpdateNodegroupVersion` (up to the
/// cluster's version): the new version shows in moto's describe answers, the update is `Successful`.
fn update_version(shared: &Shared, region: &str, operation: &str, segs: &[String], body: &Value) -> Reply {
    let cluster = segs.get(1).cloned().unwrap_or_default();
    let Some(described) = describe_upstream(shared, region, &format!("/clusters/{}", encode_segment(&cluster))) else {
        return no_cluster(&cluster);
    };
    let key = (region.to_owned(), cluster.clone());
    let mut state = shared.lock();
    let cluster_version = state
        .clusters
        .get(&key)
        .and_then(|cs| cs.version.clone())
        .or_else(|| described["cluster"]["version"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let requested = str_field(body, "version").map(str::to_owned);
    let params = if operation == "UpdateClusterVersion" {
        let Some(version) = requested else { return Reply::invalid("version is required.") };
        match (minor(&cluster_version), minor(&version)) {
            (Some((a, b)), Some((c, d))) if a == c && d == b + 1 => {}
            _ => {
                return Reply::invalid(format!(
                    "Unsupported Kubernetes minor version update from {cluster_version} to {version}"
                ));
            }
        }
        state.clusters.entry(key.clone()).or_default().version = Some(version.clone());
        vec![json!({ "type": "Version", "value": version }), json!({ "type": "PlatformVersion", "value": "eks.1" })]
    } else {
        let nodegroup = segs.get(3).cloned().unwrap_or_default();
        let target = format!("/clusters/{}/node-groups/{}", encode_segment(&cluster), encode_segment(&nodegroup));
        drop(state);
        if describe_upstream(shared, region, &target).is_none() {
            return Reply::not_found(format!("No node group found for name: {nodegroup}."));
        }
        state = shared.lock();
        let version = requested.unwrap_or_else(|| cluster_version.clone());
        if minor(&version).is_none() || minor(&version) > minor(&cluster_version) {
            return Reply::invalid(format!(
                "Requested Nodegroup Kubernetes version {version} is not supported by cluster version {cluster_version}"
            ));
        }
        let cs = state.clusters.entry(key.clone()).or_default();
        cs.nodegroup_versions.insert(nodegroup, version.clone());
        let mut params = vec![json!({ "type": "Version", "value": version })];
        if let Some(release) = str_field(body, "releaseVersion") {
            params.push(json!({ "type": "ReleaseVersion", "value": release }));
        }
        params
    };
    let id = uuid(&mut state);
    let update = json!({
        "id": id,
        "status": "InProgress",
        "type": "VersionUpdate",
        "params": params,
        "createdAt": now(),
        "errors": [],
    });
    state.clusters.entry(key).or_default().updates.insert(id, (None, update.clone()));
    Reply::ok(json!({ "update": update }))
}

/// `UpdateClusterConfig` with `resourcesVpcConfig`: EKS changes only the fields given, moto
/// replaces the whole config (losing the subnets); the update is merged over the cluster's
/// current config before it is forwarded.
fn update_vpc_config(shared: &Shared, request: &Incoming, region: &str, segs: &[String], body: &Value) -> Reply {
    let cluster = segs.get(1).cloned().unwrap_or_default();
    let Some(described) = describe_upstream(shared, region, &format!("/clusters/{}", encode_segment(&cluster))) else {
        return no_cluster(&cluster);
    };
    let current = &described["cluster"]["resourcesVpcConfig"];
    let mut merged = serde_json::Map::new();
    for key in ["subnetIds", "securityGroupIds", "endpointPublicAccess", "endpointPrivateAccess", "publicAccessCidrs"] {
        match body["resourcesVpcConfig"].get(key).or_else(|| current.get(key)) {
            Some(value) if !value.is_null() => {
                merged.insert(key.to_owned(), value.clone());
            }
            _ => {}
        }
    }
    let mut body = body.clone();
    body["resourcesVpcConfig"] = Value::Object(merged);
    let bytes = body.to_string().into_bytes();
    send_upstream(&shared.upstream, &request.method, &request.target, &request.headers, &bytes)
}

/// `AssociateEncryptionConfig`: a cluster without envelope encryption gets it (shown in
/// `DescribeCluster` from then on); one that has it is refused, as EKS does.
fn associate_encryption(shared: &Shared, region: &str, segs: &[String], body: &Value) -> Reply {
    let cluster = segs.get(1).cloned().unwrap_or_default();
    let Some(described) = describe_upstream(shared, region, &format!("/clusters/{}", encode_segment(&cluster))) else {
        return no_cluster(&cluster);
    };
    let config = body["encryptionConfig"].clone();
    let valid = config.as_array().is_some_and(|list| {
        list.len() == 1 && list[0]["provider"]["keyArn"].as_str().is_some_and(|k| k.starts_with("arn:"))
    });
    if !valid {
        return Reply::invalid("encryptionConfig must hold one entry with a provider keyArn.");
    }
    let key = (region.to_owned(), cluster.clone());
    let mut state = shared.lock();
    let has = |v: &Value| v.as_array().is_some_and(|l| !l.is_empty());
    let shimmed = state.clusters.get(&key).and_then(|cs| cs.encryption.clone());
    if shimmed.as_ref().is_some_and(has) || has(&described["cluster"]["encryptionConfig"]) {
        return Reply::invalid(format!("Cluster {cluster} already has an encryption config; it cannot be changed."));
    }
    let cs = state.clusters.entry(key.clone()).or_default();
    cs.encryption = Some(config);
    let id = uuid(&mut state);
    let update = json!({
        "id": id,
        "status": "InProgress",
        "type": "AssociateEncryptionConfig",
        "params": [{ "type": "EncryptionConfig", "value": body["encryptionConfig"].to_string() }],
        "createdAt": now(),
        "errors": [],
    });
    state.clusters.entry(key).or_default().updates.insert(id, (None, update.clone()));
    Reply::ok(json!({ "update": update }))
}

fn addon_not_found(name: &str) -> Reply {
    Reply::not_found(format!("No addon: {name} found in cluster."))
}

fn association_not_found(id: &str) -> Reply {
    Reply::not_found(format!("No Pod Identity Association found with id {id}."))
}

fn entry_not_found(principal: &str) -> Reply {
    Reply::not_found(format!("The specified access entry resource {principal} could not be found."))
}

fn describe_addon_versions(query: &[(String, String)]) -> Reply {
    let wanted = query.iter().find(|(k, _)| k == "addonName").map(|(_, v)| v.as_str());
    let addons: Vec<Value> = CATALOGUE
        .iter()
        .filter(|(name, _)| wanted.is_none_or(|w| w == *name))
        .map(|(name, version)| {
            json!({
                "addonName": name,
                "type": if *name == "aws-ebs-csi-driver" { "storage" } else { "networking" },
                "addonVersions": [{
                    "addonVersion": version,
                    "architecture": ["amd64", "arm64"],
                    "computeTypes": ["ec2"],
                    "compatibilities": [{ "clusterVersion": "1.33", "platformVersions": ["*"], "defaultVersion": true }],
                    "requiresConfiguration": false,
                    "requiresIamPermissions": matches!(*name, "vpc-cni" | "aws-ebs-csi-driver"),
                }],
                "publisher": "eks",
                "owner": "aws",
            })
        })
        .collect();
    Reply::ok(json!({ "addons": addons }))
}

fn check_resolve_conflicts(body: &Value) -> Option<Reply> {
    let value = body.get("resolveConflicts").and_then(Value::as_str)?;
    (!matches!(value, "OVERWRITE" | "NONE" | "PRESERVE"))
        .then(|| Reply::invalid(format!("Invalid value for resolveConflicts: {value}.")))
}

fn create_addon(state: &mut State, key: &(String, String), body: &Value, settle_polls: u32) -> Reply {
    let (region, cluster) = key;
    let Some(name) = str_field(body, "addonName") else { return Reply::invalid("addonName is required.") };
    if let Some(reply) = check_resolve_conflicts(body) {
        return reply;
    }
    let version = match (str_field(body, "addonVersion"), CATALOGUE.iter().find(|(n, _)| *n == name)) {
        (Some(version), _) => version.to_owned(),
        (None, Some((_, version))) => (*version).to_owned(),
        (None, None) => return Reply::invalid(format!("Addon {name} specified is not supported")),
    };
    if state.clusters[key].addons.contains_key(name) {
        return Reply::in_use(format!("Addon already exists with name: {name}."));
    }
    let wanted: Vec<(String, String)> = match body.get("podIdentityAssociations") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(list)) => {
            let mut wanted = vec![];
            for item in list {
                let (Some(account), Some(role)) = (str_field(item, "serviceAccount"), str_field(item, "roleArn"))
                else {
                    return Reply::invalid("podIdentityAssociations need serviceAccount and roleArn.");
                };
                wanted.push((account.to_owned(), role.to_owned()));
            }
            wanted
        }
        Some(_) => return Reply::invalid("podIdentityAssociations must be a list."),
    };
    for (account, _) in &wanted {
        if state.clusters[key]
            .associations
            .values()
            .any(|a| a["namespace"] == "kube-system" && a["serviceAccount"] == *account)
        {
            return Reply::in_use(format!(
                "Association already exists for namespace kube-system and service account {account}."
            ));
        }
    }
    let addon_arn = format!("arn:aws:eks:{region}:{ACCOUNT}:addon/{cluster}/{name}/{}", uuid(state));
    let mut arns = vec![];
    for (account, role) in &wanted {
        match create_association(state, key, "kube-system", account, role, Some(&addon_arn), &json!({})) {
            Ok(a) => arns.push(a["associationArn"].clone()),
            Err(reply) => return reply,
        }
    }
    let at = now();
    let mut value = json!({
        "addonName": name,
        "clusterName": cluster,
        "status": if settle_polls == 0 { "ACTIVE" } else { "CREATING" },
        "addonVersion": version,
        "health": { "issues": [] },
        "addonArn": addon_arn,
        "createdAt": at,
        "modifiedAt": at,
        "tags": tags_of(body),
        "podIdentityAssociations": arns,
    });
    for field in ["serviceAccountRoleArn", "configurationValues"] {
        if let Some(v) = str_field(body, field) {
            value[field] = json!(v);
        }
    }
    let cs = state.clusters.get_mut(key).expect("cluster state");
    cs.addons.insert(name.to_owned(), Addon { value: value.clone(), polls_left: settle_polls });
    Reply::ok(json!({ "addon": value }))
}

fn update_addon(state: &mut State, key: &(String, String), name: &str, body: &Value, settle_polls: u32) -> Reply {
    if let Some(reply) = check_resolve_conflicts(body) {
        return reply;
    }
    let id = uuid(state);
    let cs = state.clusters.get_mut(key).expect("cluster state");
    let Some(addon) = cs.addons.get_mut(name) else { return addon_not_found(name) };
    let status = addon.value["status"].as_str().unwrap_or("").to_owned();
    if status != "ACTIVE" && status != "DEGRADED" {
        return Reply::in_use(format!("Addon {name} is in {status} state and cannot be updated."));
    }
    let mut params = vec![];
    for (field, kind) in [
        ("addonVersion", "AddonVersion"),
        ("serviceAccountRoleArn", "ServiceAccountRoleArn"),
        ("configurationValues", "ConfigurationValues"),
        ("resolveConflicts", "ResolveConflicts"),
    ] {
        if let Some(v) = body.get(field).and_then(Value::as_str) {
            params.push(json!({ "type": kind, "value": v }));
            if field != "resolveConflicts" {
                addon.value[field] = json!(v);
            }
        }
    }
    let at = now();
    addon.value["status"] = json!(if settle_polls == 0 { "ACTIVE" } else { "UPDATING" });
    addon.value["modifiedAt"] = json!(at);
    addon.polls_left = settle_polls;
    let update = json!({
        "id": id,
        "status": if settle_polls == 0 { "Successful" } else { "InProgress" },
        "type": "AddonUpdate",
        "params": params,
        "createdAt": at,
        "errors": [],
    });
    cs.updates.insert(id, (Some(name.to_owned()), update.clone()));
    Reply::ok(json!({ "update": update }))
}

fn create_association(
    state: &mut State,
    key: &(String, String),
    namespace: &str,
    service_account: &str,
    role: &str,
    owner: Option<&str>,
    body: &Value,
) -> Result<Value, Reply> {
    let (region, cluster) = key;
    if state.clusters[key]
        .associations
        .values()
        .any(|a| a["namespace"] == namespace && a["serviceAccount"] == service_account)
    {
        return Err(Reply::in_use(format!(
            "Association already exists for namespace {namespace} and service account {service_account}."
        )));
    }
    let id = format!("a-{}", random_string(state, 17, b"abcdefghijklmnopqrstuvwxyz0123456789"));
    let at = now();
    let mut value = json!({
        "clusterName": cluster,
        "namespace": namespace,
        "serviceAccount": service_account,
        "roleArn": role,
        "associationArn": format!("arn:aws:eks:{region}:{ACCOUNT}:podidentityassociation/{cluster}/{id}"),
        "associationId": id,
        "tags": tags_of(body),
        "createdAt": at,
        "modifiedAt": at,
        "disableSessionTags": body.get("disableSessionTags").and_then(Value::as_bool).unwrap_or(false),
    });
    if let Some(owner) = owner {
        value["ownerArn"] = json!(owner);
    }
    if let Some(target) = str_field(body, "targetRoleArn") {
        value["targetRoleArn"] = json!(target);
    }
    state.clusters.get_mut(key).expect("cluster state").associations.insert(id, value.clone());
    Ok(value)
}

#[allow(clippy::too_many_arguments)]
fn new_access_entry(
    state: &mut State,
    region: &str,
    cluster: &str,
    principal: &str,
    kind: &str,
    groups: Vec<Value>,
    username: Option<&str>,
    tags: Value,
) -> Value {
    // arn:aws:iam::<account>:<user|role>/<path/>name
    let resource = principal.split(':').nth(5).unwrap_or("");
    let (principal_kind, principal_name) = resource.split_once('/').unwrap_or(("user", resource));
    let principal_name = principal_name.rsplit('/').next().unwrap_or(principal_name);
    let username = match (username, kind) {
        (Some(name), _) => name.to_owned(),
        (None, "STANDARD") if principal_kind == "role" => {
            format!("arn:aws:sts::{ACCOUNT}:assumed-role/{principal_name}/{{{{SessionName}}}}")
        }
        (None, "STANDARD") => principal.to_owned(),
        (None, "EC2_WINDOWS") | (None, "EC2_LINUX") | (None, "EC2") | (None, "HYBRID_LINUX") => {
            "system:node:{{EC2PrivateDNSName}}".to_owned()
        }
        (None, "FARGATE_LINUX") => "system:node:{{SessionName}}".to_owned(),
        (None, _) => principal.to_owned(),
    };
    let at = now();
    json!({
        "clusterName": cluster,
        "principalArn": principal,
        "kubernetesGroups": groups,
        "accessEntryArn": format!(
            "arn:aws:eks:{region}:{ACCOUNT}:access-entry/{cluster}/{principal_kind}/{ACCOUNT}/{principal_name}/{}",
            uuid(state)
        ),
        "createdAt": at,
        "modifiedAt": at,
        "tags": tags,
        "username": username,
        "type": kind,
    })
}

fn create_access_entry(state: &mut State, key: &(String, String), body: &Value) -> Reply {
    let (region, cluster) = key;
    let Some(principal) = str_field(body, "principalArn") else { return Reply::invalid("principalArn is required.") };
    if !principal.starts_with("arn:aws:iam::") {
        return Reply::invalid(format!("The principalArn parameter format is not valid: {principal}"));
    }
    let kind = str_field(body, "type").unwrap_or("STANDARD");
    if !matches!(
        kind,
        "STANDARD" | "EC2_LINUX" | "EC2_WINDOWS" | "FARGATE_LINUX" | "EC2" | "HYBRID_LINUX" | "HYPERPOD_LINUX"
    ) {
        return Reply::invalid(format!("The type {kind} is not valid."));
    }
    let groups = body.get("kubernetesGroups").and_then(Value::as_array).cloned().unwrap_or_default();
    let username = str_field(body, "username");
    if kind != "STANDARD" && (!groups.is_empty() || username.is_some()) {
        return Reply::invalid(format!(
            "kubernetesGroups and username cannot be specified for an access entry of type {kind}."
        ));
    }
    if groups.iter().any(|g| g.as_str().is_some_and(|g| g.starts_with("system:"))) {
        return Reply::invalid("kubernetesGroups cannot start with system:.");
    }
    if state.clusters[key].access_entries.contains_key(principal) {
        return Reply::in_use(format!(
            "The specified access entry resource is already in use on this cluster: {principal}"
        ));
    }
    let value = new_access_entry(state, region, cluster, principal, kind, groups, username, tags_of(body));
    let cs = state.clusters.get_mut(key).expect("cluster state");
    cs.access_entries.insert(principal.to_owned(), AccessEntry { value: value.clone(), policies: BTreeMap::new() });
    Reply::ok(json!({ "accessEntry": value }))
}

fn associate_policy(cluster: &str, principal: &str, entry: &mut AccessEntry, body: &Value) -> Reply {
    let kind = entry.value["type"].as_str().unwrap_or("").to_owned();
    if kind != "STANDARD" {
        return Reply::invalid(format!("Access policies cannot be associated with an access entry of type {kind}."));
    }
    let Some(policy) = str_field(body, "policyArn") else { return Reply::invalid("policyArn is required.") };
    if !policy.starts_with("arn:aws:eks::aws:cluster-access-policy/") {
        return Reply::invalid(format!("The policyArn {policy} is not a valid access policy."));
    }
    let Some(scope) = body.get("accessScope").filter(|v| v.is_object()) else {
        return Reply::invalid("accessScope is required.");
    };
    let scope_type = scope.get("type").and_then(Value::as_str).unwrap_or("");
    let namespaces = scope.get("namespaces").and_then(Value::as_array).cloned().unwrap_or_default();
    match scope_type {
        "cluster" if namespaces.is_empty() => {}
        "cluster" => return Reply::invalid("namespaces cannot be specified for an access scope of type cluster."),
        "namespace" if !namespaces.is_empty() => {}
        "namespace" => return Reply::invalid("namespaces are required for an access scope of type namespace."),
        other => return Reply::invalid(format!("The accessScope type {other} is not valid.")),
    }
    let at = now();
    let associated_at = entry.policies.get(policy).map_or(json!(at), |p| p["associatedAt"].clone());
    let value = json!({
        "policyArn": policy,
        "accessScope": { "type": scope_type, "namespaces": namespaces },
        "associatedAt": associated_at,
        "modifiedAt": at,
    });
    entry.policies.insert(policy.to_owned(), value.clone());
    Reply::ok(json!({ "clusterName": cluster, "principalArn": principal, "associatedAccessPolicy": value }))
}

/// Tags on shim resources, found by ARN across every cluster.
fn shim_tags(shared: &Shared, operation: &str, arn: &str, body: &Value, query: &[(String, String)]) -> Reply {
    let mut state = shared.lock();
    let found = state.clusters.values_mut().find_map(|cs| {
        cs.addons
            .values_mut()
            .map(|a| &mut a.value)
            .find(|v| v["addonArn"] == arn)
            .or_else(|| cs.associations.values_mut().find(|v| v["associationArn"] == arn))
            .or_else(|| cs.access_entries.values_mut().map(|e| &mut e.value).find(|v| v["accessEntryArn"] == arn))
    });
    let Some(resource) = found else { return Reply::not_found(format!("Resource {arn} not found.")) };
    if !resource["tags"].is_object() {
        resource["tags"] = json!({});
    }
    match operation {
        "TagResource" => {
            let Some(tags) = body.get("tags").and_then(Value::as_object) else {
                return Reply::invalid("tags is required.");
            };
            for (k, v) in tags {
                resource["tags"][k] = v.clone();
            }
            Reply::ok(json!({}))
        }
        "UntagResource" => {
            if let Some(map) = resource["tags"].as_object_mut() {
                for (k, v) in query {
                    if k == "tagKeys" {
                        map.shift_remove(v);
                    }
                }
            }
            Reply::ok(json!({}))
        }
        _ => Reply::ok(json!({ "tags": resource["tags"] })),
    }
}
