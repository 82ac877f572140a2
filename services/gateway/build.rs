//! Embeds the operators' web app (`web/dist`, built by `make web` with Vite)
//! into the gateway binary: writes `$OUT_DIR/web_assets.rs`, a table of
//! `(path, bytes, content type)` built with `include_bytes!`, so the binary
//! serves the app with no files beside it (docs/DASHBOARD.md).
//!
//! When `web/dist` was never built (a Rust-only checkout), a one-page
//! placeholder saying how to build the app is embedded instead, so the
//! gateway always compiles.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs, io};

const PLACEHOLDER: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Spot Optimizer</title></head><body><h1>Spot Optimizer</h1>\
<p>The web dashboard was not built into this gateway. Run <code>make web</code> (or \
<code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>) and rebuild the gateway.</p>\
<p>The API is under <code>/api</code>; its description is at <a href=\"/openapi.json\">/openapi.json</a>.</p>\
</body></html>\n";

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> io::Result<()> {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").ok_or(io::ErrorKind::NotFound)?);
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").ok_or(io::ErrorKind::NotFound)?);
    let web = manifest.join("../../web");
    let dist = web.join("dist");
    let mut files = Vec::new();
    let root = if dist.join("index.html").is_file() {
        println!("cargo:rerun-if-changed={}", dist.display());
        walk(&dist, &mut files)?;
        dist
    } else {
        // A missing path would make cargo rerun this script on every build;
        // `make web` touches web/index.html before building dist, so the
        // first build of the app is noticed.
        println!("cargo:rerun-if-changed={}", web.join("index.html").display());
        let placeholder = out_dir.join("placeholder");
        fs::create_dir_all(&placeholder)?;
        fs::write(placeholder.join("index.html"), PLACEHOLDER)?;
        files.push(placeholder.join("index.html"));
        placeholder
    };
    files.sort();
    let mut code = String::from("/// Embedded web app files: (path under `/`, bytes, content type).\n");
    code.push_str("pub static ASSETS: &[(&str, &[u8], &str)] = &[\n");
    for file in &files {
        let rel = file.strip_prefix(&root).map_err(io::Error::other)?;
        let url: Vec<String> =
            rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        let abs = file.canonicalize()?;
        writeln!(
            code,
            "    ({:?}, include_bytes!({:?}), {:?}),",
            url.join("/"),
            abs.display().to_string(),
            content_type(file)
        )
        .map_err(io::Error::other)?;
    }
    code.push_str("];\n");
    fs::write(out_dir.join("web_assets.rs"), code)
}
