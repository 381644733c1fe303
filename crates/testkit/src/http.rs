//! A minimal HTTP/1.1 file server on loopback (a chart repository, say) that records every request
//! path, so a test proves a cache hit by the absence of a request; and Helm chart archives built
//! from a fixture directory at test time.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Served files: request path and body.
type Files = Mutex<Vec<(String, Vec<u8>)>>;

/// Serves fixed files on `127.0.0.1:<free port>` from a background thread (for the test's life).
pub struct StaticServer {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    files: Arc<Files>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl StaticServer {
    pub fn start() -> StaticServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().expect("local addr"));
        let files: Arc<Files> = Arc::default();
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let (f, r) = (files.clone(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (f, r) = (f.clone(), r.clone());
                std::thread::spawn(move || serve(stream, &f, &r));
            }
        });
        StaticServer { base, files, requests }
    }

    /// Serves `body` at `path` (`/charts/index.yaml`); 404 for anything not put.
    pub fn put(&self, path: &str, body: Vec<u8>) {
        self.files.lock().expect("files").push((path.to_string(), body));
    }

    /// The request paths since the last call, in arrival order.
    pub fn take_requests(&self) -> Vec<String> {
        std::mem::take(&mut *self.requests.lock().expect("requests"))
    }
}

fn serve(stream: TcpStream, files: &Files, requests: &Mutex<Vec<String>>) {
    let Ok(read_half) = stream.try_clone() else { return };
    let mut reader = BufReader::new(read_half);
    let mut stream = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body);
        requests.lock().expect("requests").push(path.clone());
        let found = files.lock().expect("files").iter().find(|(p, _)| *p == path).map(|(_, b)| b.clone());
        let (status, body) = match found {
            Some(b) => ("200 OK", b),
            None => ("404 Not Found", b"not found".to_vec()),
        };
        let head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n", body.len());
        if stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(&body)).is_err() {
            return;
        }
    }
}

/// The chart directory `dir` as a Helm archive (`<name>/…` inside a gzipped tar, entries sorted,
/// deterministic headers), each file's text passed through `edit(path_in_archive, bytes)`.
pub fn chart_tgz(dir: &Path, name: &str, edit: impl Fn(&str, Vec<u8>) -> Vec<u8>) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default()));
    builder.mode(tar::HeaderMode::Deterministic);
    for entry in walk(dir) {
        let relative = entry.strip_prefix(dir).expect("under dir").to_string_lossy().replace('\\', "/");
        let path = format!("{name}/{relative}");
        let data = edit(&path, std::fs::read(&entry).expect("read fixture"));
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, &path, &data[..]).expect("append");
    }
    builder.into_inner().expect("tar").finish().expect("gzip")
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("read_dir").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
