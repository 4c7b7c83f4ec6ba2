//! Real reverse proxies in front of an application, asking Usher (`/auth/verify`)
//! before each request: Debian's Caddy (`forward_auth`) and nginx (`auth_request`),
//! each configured as the README's example. `/family/*` needs the group `smiths`;
//! everything else a session. And a person in a real Chromium, sent from the
//! application to Usher's sign-in page and back. Without the proxy (or the browser)
//! a test prints a notice and skips, unless prerequisites are required (CI installs
//! them).

use std::{
    net::SocketAddr,
    path::Path,
    process::{Child, Command, Stdio},
};

use axum::{http::HeaderMap, routing::get};
use reqwest::StatusCode;
use serde_json::json;

use fantoccini::Locator;

use crate::harness::{Backend, Browser, TestApp, eventually, prerequisite, which};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn caddy_forward_auth_admits_members_and_sends_others_to_sign_in() {
    proxy_admits_members_and_sends_others_to_sign_in("caddy", caddy).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nginx_auth_request_admits_members_and_sends_others_to_sign_in() {
    proxy_admits_members_and_sends_others_to_sign_in("nginx", nginx).await;
}

/// How to start one proxy on `port` in front of `app`, asking `usher`, with its files
/// in `dir`: the command and its configuration.
type Configure = fn(port: u16, usher: SocketAddr, app: SocketAddr, dir: &Path) -> Command;

/// The README's Caddyfile.
fn caddy(port: u16, usher: SocketAddr, app: SocketAddr, dir: &Path) -> Command {
    let config = format!(
        "{{
	admin off
	auto_https off
	storage file_system {data}
}}
http://127.0.0.1:{port} {{
	route /family/* {{
		forward_auth {usher} {{
			uri /auth/verify?redirect=1&group=smiths
			copy_headers X-Usher-User X-Usher-Groups X-Usher-Role
		}}
		reverse_proxy {app}
	}}
	route {{
		forward_auth {usher} {{
			uri /auth/verify?redirect=1
			copy_headers X-Usher-User X-Usher-Groups
		}}
		reverse_proxy {app}
	}}
}}
",
        data = dir.join("data").display()
    );
    std::fs::write(dir.join("Caddyfile"), config).unwrap();
    let mut command = Command::new("caddy");
    command.args(["run", "--adapter", "caddyfile", "--config"]).arg(dir.join("Caddyfile"));
    command.env("HOME", dir).env("XDG_DATA_HOME", dir).env("XDG_CONFIG_HOME", dir);
    command
}

/// The README's nginx configuration, in a file of its own with its temporary folders.
fn nginx(port: u16, usher: SocketAddr, app: SocketAddr, dir: &Path) -> Command {
    let dir_text = dir.display();
    let config = format!(
        "daemon off;
master_process off;
pid {dir_text}/nginx.pid;
error_log {dir_text}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {dir_text}/body;
    proxy_temp_path {dir_text}/proxy;
    fastcgi_temp_path {dir_text}/fastcgi;
    uwsgi_temp_path {dir_text}/uwsgi;
    scgi_temp_path {dir_text}/scgi;
    server {{
        listen 127.0.0.1:{port};

        location = /usher-verify {{
            internal;
            proxy_pass http://{usher}/auth/verify;
            proxy_pass_request_body off;
            proxy_set_header Content-Length \"\";
            proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
        }}
        location = /usher-verify-smiths {{
            internal;
            proxy_pass http://{usher}/auth/verify?group=smiths;
            proxy_pass_request_body off;
            proxy_set_header Content-Length \"\";
            proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
        }}

        location /family/ {{
            auth_request /usher-verify-smiths;
            include {dir_text}/usher-headers.conf;
            proxy_pass http://{app};
        }}
        location / {{
            auth_request /usher-verify;
            include {dir_text}/usher-headers.conf;
            proxy_pass http://{app};
        }}
    }}
}}
"
    );
    let headers = "auth_request_set $usher_user $upstream_http_x_usher_user;
auth_request_set $usher_groups $upstream_http_x_usher_groups;
auth_request_set $usher_role $upstream_http_x_usher_role;
auth_request_set $usher_sign_in $upstream_http_location;
proxy_set_header X-Usher-User $usher_user;
proxy_set_header X-Usher-Groups $usher_groups;
proxy_set_header X-Usher-Role $usher_role;
error_page 401 =302 $usher_sign_in;
";
    std::fs::write(dir.join("nginx.conf"), config).unwrap();
    std::fs::write(dir.join("usher-headers.conf"), headers).unwrap();
    let mut command = Command::new("nginx");
    command.arg("-c").arg(dir.join("nginx.conf")).arg("-p").arg(dir).args(["-e", "stderr"]);
    command
}

/// A proxy process, stopped when dropped.
struct Proxy {
    process: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

async fn start_proxy(configure: Configure, port: u16, usher: SocketAddr, app: SocketAddr) -> Proxy {
    let dir = tempfile::tempdir().unwrap();
    let mut command = configure(port, usher, app, dir.path());
    let process = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("the proxy starts");
    let up = || async move { tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() };
    eventually("the proxy to listen", up, |up| *up).await;
    Proxy { process, _dir: dir }
}

/// An application that shows who the proxy says is visiting.
async fn start_app() -> SocketAddr {
    let show = |headers: HeaderMap| async move {
        // (nginx leaves out a header it would send empty; Caddy sends it empty.)
        let header = |name: &str| {
            let value = headers.get(name).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty());
            value.unwrap_or("-").to_owned()
        };
        format!("user={} groups={} role={}", header("x-usher-user"), header("x-usher-groups"), header("x-usher-role"))
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, axum::Router::new().fallback(get(show))).await });
    addr
}

/// Usher with the group `smiths` (olive its owner), the port the proxy is to listen
/// on, and 127.0.0.1 as the application's host; `None` (with a notice) when `proxy`
/// is not installed.
struct Smiths {
    usher: TestApp,
    port: u16,
    olive: String,
    group_id: String,
}

impl Smiths {
    async fn behind(proxy: &str) -> Option<Self> {
        if !prerequisite(which(proxy).is_some(), &format!("{proxy} (the Debian package)")) {
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let usher =
            TestApp::spawn_with(Backend::Sqlite, |config| config.forward_auth_hosts = vec!["127.0.0.1".into()]).await?;
        let (olive, _) = usher.signed_in("olive").await;
        let group_id = usher.new_group(&olive, json!({"name": "The Smiths", "slug": "smiths"})).await.id;
        Some(Self { usher, port, olive, group_id })
    }

    /// Makes `token`'s user a member (through a group code).
    async fn join(&self, token: &str) {
        let code = self.usher.group(&self.olive, &self.group_id).invite(json!({})).await;
        self.usher.join(token, code.code()).await;
    }
}

async fn proxy_admits_members_and_sends_others_to_sign_in(name: &str, configure: Configure) {
    let Some(smiths) = Smiths::behind(name).await else { return };
    let Smiths { usher, port, olive, .. } = &smiths;
    let port = *port;
    let (gus, _) = usher.signed_in("gus").await;
    smiths.join(&gus).await;
    let (stranger, _) = usher.signed_in("stranger").await;
    let _proxy = start_proxy(configure, port, usher.addr, start_app().await).await;

    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let visit = |path: &str, session: Option<&str>| {
        let mut request = client.get(format!("http://127.0.0.1:{port}{path}"));
        if let Some(token) = session {
            request = request.header("cookie", format!("usher_session={token}"));
        }
        // What a visitor sends in these headers never reaches the application.
        request = request.header("x-usher-user", "mallory").header("x-usher-groups", "admins");
        async move {
            let response = request.send().await.expect("the proxy answers");
            let status = response.status();
            let location = response.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
            (status, location, response.text().await.unwrap())
        }
    };

    // No session: to Usher's sign-in page, coming back to where the visitor was going.
    let (status, location, _) = visit("/family/tree?year=1900", None).await;
    assert_eq!(status, StatusCode::FOUND, "{name}");
    let back = format!("http://127.0.0.1:{port}/family/tree?year=1900");
    let back: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
    assert_eq!(location, Some(format!("{}/login?next={back}", usher.config.public_url())), "{name}");

    // A member: the application sees who, from Usher, not from the visitor.
    let (status, _, body) = visit("/family/tree", Some(&gus)).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "user=gus groups=smiths role=member"), "{name}");
    let (status, _, body) = visit("/family/tree", Some(olive.as_str())).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "user=olive groups=smiths role=owner"), "{name}");

    // Not in the group: 403 there; elsewhere a session is enough.
    let (status, _, body) = visit("/family/tree", Some(&stranger)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {body}");
    assert!(!body.contains("user="), "{name}: the application was reached: {body}");
    let (status, _, body) = visit("/news", Some(&stranger)).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "user=stranger groups=- role=-"), "{name}");
}

/// The person's side: from the application to Usher's sign-in page (the proxy's
/// redirect), signing in there, and back where they were going, let in as themselves.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_person_signs_in_on_the_way_and_lands_back_in_the_application() {
    let Some(smiths) = Smiths::behind("caddy").await else { return };
    let Smiths { usher, port, .. } = &smiths;
    let port = *port;
    let body = json!({"username": "pat", "email": "pat@example.com", "password": "correct horse battery"});
    assert_eq!(usher.post("/admin/users", Some(&usher.admin_token), body).await.0, StatusCode::CREATED);
    let pat = usher.log_in("pat", "correct horse battery").await;
    smiths.join(&pat.session_token).await;
    let _proxy = start_proxy(caddy, port, usher.addr, start_app().await).await;
    let Some(browser) = Browser::start(1280).await else { return };

    // (The cookie Usher sets on 127.0.0.1 goes to every port of that host, as
    // `cookie_domain` makes it go to every host of a domain.)
    browser.client.goto(&format!("http://127.0.0.1:{port}/family/tree?year=1900")).await.unwrap();
    browser.wait_for_text("Username or email").await;
    let at = browser.client.current_url().await.unwrap();
    assert_eq!(at.port(), Some(usher.addr.port()), "at Usher's sign-in page: {at}");
    for (id, value) in [("login", "pat"), ("password", "correct horse battery")] {
        browser.client.find(Locator::Id(id)).await.unwrap().send_keys(value).await.unwrap();
    }
    browser.client.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for_text("user=pat groups=smiths role=member").await;
    let back = browser.client.current_url().await.unwrap();
    assert_eq!(back.as_str(), format!("http://127.0.0.1:{port}/family/tree?year=1900"));
    browser.close().await;
}
