//! The admin console speaks its admin's language, on both backends: every console page
//! and its confirmations in Vietnamese for a browser that prefers it, with none of the
//! page's English left; in English for a browser that names no language.

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use super::{browser_like, page_url};
use crate::harness::{Backend, PageAnswer, PageClient, SmtpServer, TestApp, between, cookie_pair, eventually, mail_to};

on_both_backends!(backend: the_console_speaks_the_admins_language);

/// What a page must say in each language: `vi` in Vietnamese and not in English, `en`
/// in English and not in Vietnamese.
struct Said {
    vi: &'static [&'static str],
    en: &'static [&'static str],
}

/// The console's tabs, on each of its pages.
const TABS: Said = Said {
    vi: &[
        "aria-label=\"Trang quản trị\"",
        ">Lời mời</a>",
        ">Người dùng</a>",
        ">Ứng dụng</a>",
        ">Khóa API</a>",
        ">Thư gửi lỗi</a>",
        ">Nhật ký kiểm tra</a>",
    ],
    en: &[
        "aria-label=\"Admin console\"",
        ">Invites</a>",
        ">Users</a>",
        ">Apps</a>",
        ">API keys</a>",
        ">Failed mail</a>",
        ">Audit log</a>",
    ],
};

/// A signed-in admin's browser, which may say which language it prefers.
struct Admin<'a> {
    app: &'a TestApp,
    pages: PageClient,
    cookies: String,
}

impl Admin<'_> {
    async fn new(app: &TestApp) -> Admin<'_> {
        let pages = PageClient::signed_in(app, &app.admin_token).await;
        let cookies = format!("usher_session={}; usher_csrf={}", app.admin_token, pages.csrf);
        Admin { app, pages, cookies }
    }

    /// The page at `path` (200), asked for in `language`.
    async fn get(&self, path: &str, language: Option<&str>) -> String {
        self.get_with(path, language, "").await
    }

    /// Where a redirect leads, asked for in `language`, with the cookies it set (the
    /// one-time ones that show a secret).
    async fn follow(&self, redirect: &PageAnswer, language: Option<&str>) -> String {
        assert_eq!(redirect.status, StatusCode::SEE_OTHER, "{}", redirect.html);
        let brought: Vec<String> =
            redirect.set_cookies.iter().map(|line| cookie_pair(line)).filter(|pair| !pair.ends_with('=')).collect();
        self.get_with(redirect.location.as_deref().unwrap(), language, &brought.join("; ")).await
    }

    async fn get_with(&self, path: &str, language: Option<&str>, extra: &str) -> String {
        let cookies = if extra.is_empty() { self.cookies.clone() } else { format!("{}; {extra}", self.cookies) };
        let mut request = browser_like().get(page_url(self.app, path)).header(header::COOKIE, cookies);
        if let Some(language) = language {
            request = request.header(header::ACCEPT_LANGUAGE, language);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let html = response.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{path}: {html}");
        html
    }
}

/// The console's English messages of some length and without arguments, as a page
/// shows them (escaped).
fn english_sentences() -> Vec<String> {
    let messages = include_str!("../../../../usher-i18n/locales/en/admin.ftl");
    let sentences: Vec<String> = messages
        .lines()
        .filter_map(|line| line.split_once(" = "))
        .filter(|(id, text)| id.starts_with("admin-") && text.len() >= 12 && !text.contains('{'))
        .map(|(_, text)| text.replace('\'', "&#x27;").replace('/', "&#x2f;"))
        .collect();
    assert!(sentences.len() > 60, "{sentences:?}");
    sentences
}

/// `path` says `said` in each language (and the console's tabs, if `tabs`).
async fn speaks(admin: &Admin<'_>, path: &str, said: &Said, tabs: bool) {
    let vietnamese = admin.get(path, Some("vi-VN,vi;q=0.9,en;q=0.5")).await;
    let english = admin.get(path, None).await;
    check(path, &vietnamese, &english, said, tabs);
}

fn check(path: &str, vietnamese: &str, english: &str, said: &Said, tabs: bool) {
    assert!(vietnamese.contains("<html lang=\"vi\">"), "{path}: {vietnamese}");
    assert!(english.contains("<html lang=\"en\">"), "{path}: {english}");
    // No sentence of the console's left in English (an email previewed is not the console's).
    let console = match (vietnamese.find("<pre"), vietnamese.rfind("</pre>")) {
        (Some(start), Some(end)) => format!("{}{}", &vietnamese[..start], &vietnamese[end..]),
        _ => vietnamese.to_owned(),
    };
    for sentence in english_sentences() {
        assert!(!console.contains(&sentence), "{path} in Vietnamese still says {sentence}: {vietnamese}");
    }
    let mut checks = vec![said];
    if tabs {
        checks.push(&TABS);
    }
    for said in checks {
        for words in said.vi {
            assert!(vietnamese.contains(words), "{path} in Vietnamese lacks {words}: {vietnamese}");
            assert!(!english.contains(words), "{path} in English says {words}: {english}");
        }
        for words in said.en {
            assert!(english.contains(words), "{path} in English lacks {words}: {english}");
            assert!(!vietnamese.contains(words), "{path} in Vietnamese still says {words}: {vietnamese}");
        }
    }
}

async fn the_console_speaks_the_admins_language(backend: Backend) {
    let smtp = SmtpServer::start();
    smtp.refuse(Some("dora@example.com"));
    let Some(app) = TestApp::spawn_with(backend, mail_to(smtp.url())).await else { return };
    let admin = Admin::new(&app).await;

    // Something on every list, so that its rows and their buttons show.
    app.create_user("carol").await;
    app.create_user("dave").await;
    app.update_user("dave", json!({"disabled": true})).await;
    app.create_user("dora").await;
    app.mint_login_link("dora", json!({"send_email": true})).await;
    let read = || app.read::<Value>("/admin/outbox?status=failed", Some(&app.admin_token));
    eventually("the refused email listed as failed", read, |list| list["items"][0].is_object()).await;
    let book = app.create_invite(json!({"description": "Book club", "max_uses": 5})).await;
    let chess = app.create_invite(json!({"description": "Chess night", "max_uses": null})).await;
    app.revoke_invite(chess.code()).await;
    let link = app.create_login_link("carol").await;
    let uris = "https://tree.example.com/cb";
    let registered = admin.pages.post("/admin/apps", &[("name", "Tree"), ("redirect_uris", uris)]).await;
    let app_path = registered.location.clone().expect("on to the app's page");

    speaks(
        &admin,
        "/admin",
        &Said {
            vi: &[
                "<title>Lời mời đăng ký · Quản trị Usher</title>",
                "<h1>Lời mời đăng ký</h1>",
                ">Lời mời mới</h2>",
                "Dùng để làm gì",
                "Hết hạn sau",
                ">Tạo lời mời</button>",
                ">Mọi lời mời</option>",
                "Chỉ những lời mời còn dùng được",
                "placeholder=\"mã hoặc mô tả\"",
                "<th>Dành cho</th>",
                "0 trên 5",
                "0 trên không giới hạn",
                ">đã thu hồi</span>",
                ">đang hoạt động</span>",
                "7 ngày",
            ],
            en: &[
                "<title>Registration invites · Usher admin</title>",
                "<h1>Registration invites</h1>",
                ">New invite</h2>",
                "What it is for",
                "Expires after",
                ">Create invite</button>",
                ">Every invite</option>",
                "Only those still working",
                "placeholder=\"code or description\"",
                "<th>For</th>",
                "0 of 5",
                "0 of unlimited",
                ">revoked</span>",
                ">active</span>",
                "7 days",
            ],
        },
        true,
    )
    .await;
    let found = admin.get("/admin?q=zebra", Some("vi")).await;
    assert!(found.contains("Không có lời mời nào khớp.") && !found.contains("No invite matches."), "{found}");

    let invite = format!("/admin/invites/{}", book.code());
    speaks(
        &admin,
        &invite,
        &Said {
            vi: &["<h1>Lời mời <span", "<dt>Trạng thái</dt>", "Liên kết đăng ký", ">Thu hồi…</a>", "← Tất cả lời mời"],
            en: &["<h1>Invite <span", "<dt>Status</dt>", "Sign-up link", ">Revoke…</a>", "← All invites"],
        },
        true,
    )
    .await;
    speaks(
        &admin,
        &format!("{invite}/revoke"),
        &Said {
            vi: &["<h1>Thu hồi lời mời này?</h1>", "Sẽ không ai có thể đăng ký bằng", ">Thu hồi</button>", ">Hủy</a>"],
            en: &[
                "<h1>Revoke this invite?</h1>",
                "Nobody will be able to sign up with",
                ">Revoke</button>",
                ">Cancel</a>",
            ],
        },
        false,
    )
    .await;

    speaks(
        &admin,
        "/admin/users",
        &Said {
            vi: &[
                "<h1>Người dùng</h1>",
                ">Người dùng mới</h2>",
                "Được tạo mà không có mật khẩu",
                ">Tạo người dùng</button>",
                "placeholder=\"tên người dùng, email hoặc tên\"",
                ">Bị vô hiệu hóa</option>",
                ">bị vô hiệu hóa</span>",
                ">quản trị viên</span>",
                ">chưa có mật khẩu</span>",
                "aria-label=\"Liên kết đăng nhập cho carol\"",
                ">Liên kết đăng nhập…</a>",
                ">Vô hiệu hóa</button>",
                ">Kích hoạt</button>",
                ">Xóa…</a>",
                "Liên kết đăng nhập đang hoạt động",
                "<th>Người tạo</th>",
            ],
            en: &[
                "<h1>Users</h1>",
                ">New user</h2>",
                "Created without a password",
                ">Create user</button>",
                "placeholder=\"username, email or name\"",
                ">Disabled</option>",
                ">disabled</span>",
                ">admin</span>",
                ">no password</span>",
                "aria-label=\"Sign-in link for carol\"",
                ">Sign-in link…</a>",
                ">Disable</button>",
                ">Enable</button>",
                ">Delete…</a>",
                "Active sign-in links",
                "<th>Created by</th>",
            ],
        },
        true,
    )
    .await;
    let nobody = admin.get("/admin/users?q=zebra", Some("vi")).await;
    assert!(nobody.contains("Không có ai khớp.") && !nobody.contains("Nobody matches."), "{nobody}");
    speaks(
        &admin,
        "/admin/users/carol/delete",
        &Said {
            vi: &["<h1>Xóa người dùng này?</h1>", "carol (@carol) sẽ mất tài khoản", ">Xóa</button>"],
            en: &["<h1>Delete this user?</h1>", "carol (@carol) loses their account", ">Delete</button>"],
        },
        false,
    )
    .await;

    speaks(
        &admin,
        "/admin/users/carol/login-link",
        &Said {
            vi: &[
                "<h1>Liên kết đăng nhập cho carol</h1>",
                "Một liên kết giúp <strong>@carol</strong> đăng nhập một lần.",
                "Có hiệu lực trong",
                "Gửi thêm qua email đến carol@example.com",
                ">Tạo liên kết</button>",
                "← Người dùng",
            ],
            en: &[
                "<h1>Sign-in link for carol</h1>",
                "A link that signs <strong>@carol</strong> in once.",
                "Works for",
                "Also email it to carol@example.com",
                ">Make the link</button>",
                "← Users",
            ],
        },
        true,
    )
    .await;
    // A link just made, shown once: to each browser its own.
    let minted = |language: Option<&'static str>| {
        let admin = &admin;
        async move {
            let made = admin.pages.post("/admin/users/carol/login-link", &[]).await;
            admin.follow(&made, language).await
        }
    };
    let (vietnamese, english) = (minted(Some("vi")).await, minted(None).await);
    let shown = Said {
        vi: &["Liên kết này chỉ hiện lần này. Nó giúp <strong>@carol</strong> đăng nhập một lần, cho đến"],
        en: &["This link is shown only now. It signs <strong>@carol</strong> in once, until"],
    };
    check("a link just made", &vietnamese, &english, &shown, true);
    let link_path = format!("/admin/login-links/{}", link.id);
    speaks(
        &admin,
        &link_path,
        &Said {
            vi: &["Bản thân liên kết chỉ hiện một lần", "<dt>Tạo lúc</dt>", ">Thu hồi</a>", ">đang hoạt động</span>"],
            en: &["The link itself was shown once", "<dt>Made</dt>", ">Revoke</a>", ">active</span>"],
        },
        true,
    )
    .await;
    speaks(
        &admin,
        &format!("{link_path}/revoke"),
        &Said {
            vi: &["<h1>Thu hồi liên kết đăng nhập này?</h1>", "Người đang giữ liên kết này", ">Thu hồi</button>"],
            en: &["<h1>Revoke this login link?</h1>", "Whoever holds this link", ">Revoke</button>"],
        },
        false,
    )
    .await;

    speaks(
        &admin,
        "/admin/mail",
        &Said {
            vi: &[
                "<h1>Thư gửi lỗi</h1>",
                ">Xem trước mọi thư</a> như người nhận sẽ thấy",
                "<th>Người nhận</th>",
                "<th>Lỗi gần nhất</th>",
                "liên kết đăng nhập<br>",
                ">Thử lại</button>",
            ],
            en: &[
                "<h1>Failed mail</h1>",
                ">Preview every email</a> as people receive it",
                "<th>To</th>",
                "<th>Last error</th>",
                "login link<br>",
                ">Retry</button>",
            ],
        },
        true,
    )
    .await;
    speaks(
        &admin,
        "/admin/mail/previews",
        &Said {
            vi: &["<h1>Xem trước thư</h1>", "Ngôn ngữ:", ">bản HTML</a>"],
            en: &["<h1>Email previews</h1>", "Language:", ">the HTML version</a>"],
        },
        true,
    )
    .await;
    // The language of the emails previewed is not the page's.
    let previews = admin.get("/admin/mail/previews?locale=vi", None).await;
    assert!(previews.contains("Liên kết đăng nhập của bạn") && previews.contains("<h1>Email previews</h1>"));

    speaks(
        &admin,
        "/admin/audit",
        &Said {
            vi: &[
                "<h1>Nhật ký kiểm tra</h1>",
                ">Bất cứ việc gì</option>",
                ">đã thu hồi một lời mời</option>",
                "placeholder=\"tên người dùng\"",
                ">Tìm kiếm</button>",
                "<th>Việc đã làm</th>",
                "<td title=\"invite.revoked\">đã thu hồi một lời mời</td>",
                "<td title=\"user.created\">đã tạo một người dùng</td>",
                ">một lời mời</a>",
                ">một ứng dụng</a>",
                ">đã tạo một khóa API</option>",
                ">đã thu hồi một khóa API</option>",
            ],
            en: &[
                "<h1>Audit log</h1>",
                ">Anything</option>",
                ">revoked an invite</option>",
                "placeholder=\"username\"",
                ">Search</button>",
                "<th>Did</th>",
                "<td title=\"invite.revoked\">revoked an invite</td>",
                "<td title=\"user.created\">created a user</td>",
                ">an invite</a>",
                ">an app</a>",
                ">made an API key</option>",
                ">revoked an API key</option>",
            ],
        },
        true,
    )
    .await;
    let none = admin.get("/admin/audit?actor=nobody", Some("vi")).await;
    assert!(none.contains("Không có ghi nhận nào khớp.") && !none.contains("Nothing recorded"), "{none}");

    speaks(
        &admin,
        "/admin/apps",
        &Said {
            vi: &[
                "<h1>Ứng dụng</h1>",
                ">Ứng dụng mới</h2>",
                "URI chuyển hướng",
                "Ứng dụng nội bộ: không ai phải xác nhận đồng ý",
                ">Đăng ký ứng dụng</button>",
                "<th>Mã client</th>",
                "<td>bảo mật</td>",
                ">Cài đặt</a>",
                ">Khóa bí mật mới…</a>",
                ">Xóa…</a>",
            ],
            en: &[
                "<h1>Apps</h1>",
                ">New app</h2>",
                "Redirect URIs",
                "First-party: nobody is asked to consent",
                ">Register app</button>",
                "<th>Client id</th>",
                "<td>confidential</td>",
                ">Settings</a>",
                ">New secret…</a>",
                ">Delete…</a>",
            ],
        },
        true,
    )
    .await;
    let app_page = Said {
        vi: &[
            "<title>Tree · Quản trị Usher</title>",
            "Mã client <code>",
            "Sau khi đăng xuất",
            "Chỉ thành viên của",
            ">Lưu</button>",
            "← Ứng dụng",
        ],
        en: &[
            "<title>Tree · Usher admin</title>",
            "Client id <code>",
            "After sign-out",
            "Only members of",
            ">Save</button>",
            "← Apps",
        ],
    };
    speaks(&admin, &app_path, &app_page, true).await;
    // Its new secret, shown once: to each browser its own.
    let rotated = |language: Option<&'static str>| {
        let (admin, path) = (&admin, format!("{app_path}/secret"));
        async move { admin.follow(&admin.pages.post(&path, &[]).await, language).await }
    };
    let (vietnamese, english) = (rotated(Some("vi")).await, rotated(None).await);
    let shown = Said {
        vi: &[
            "Khóa bí mật chỉ hiện lần này",
            "Khóa bí mật client",
            ">Sao chép khóa bí mật</button>",
            ">Sao chép</button>",
        ],
        en: &["The secret is shown only now", "Client secret", ">Copy secret</button>", ">Copy</button>"],
    };
    check("a new secret", &vietnamese, &english, &shown, true);
    assert!(between(&vietnamese, "id=\"client-secret\" value=\"", "\"").is_some_and(|s| !s.is_empty()));
    speaks(
        &admin,
        &format!("{app_path}/secret"),
        &Said {
            vi: &[
                "<h1>Cấp khóa bí mật mới cho ứng dụng này?</h1>",
                "Tree sẽ không dùng được khóa bí mật hiện tại nữa",
                ">Cấp khóa mới</button>",
            ],
            en: &["<h1>Give this app a new secret?</h1>", "Tree stops working", ">New secret</button>"],
        },
        false,
    )
    .await;
    speaks(
        &admin,
        &format!("{app_path}/delete"),
        &Said {
            vi: &["<h1>Xóa ứng dụng này?</h1>", "Sẽ không ai có thể đăng nhập vào Tree", ">Xóa</button>"],
            en: &["<h1>Delete this app?</h1>", "Nobody can sign in to Tree", ">Delete</button>"],
        },
        false,
    )
    .await;

    // API keys: a key just made, shown once (to each browser its own), the list, the
    // confirmation before revoking one, and what revoking says.
    let made = |language: Option<&'static str>| {
        let admin = &admin;
        async move {
            let fields = [("name", "Billing"), ("scopes", "groups:read"), ("scopes", "audit:read")];
            admin.follow(&admin.pages.post("/admin/api-keys", &fields).await, language).await
        }
    };
    let (vietnamese, english) = (made(Some("vi")).await, made(None).await);
    let shown = Said {
        vi: &["Khóa API đã được tạo", "Khóa chỉ hiện lần này", "Khóa mới của bạn", ">Sao chép khóa</button>"],
        en: &["The API key was made", "The key is shown only now", "Your new key", ">Copy key</button>"],
    };
    check("a new key", &vietnamese, &english, &shown, true);
    assert!(
        between(&vietnamese, "id=\"new-key\" class=\"mono\" value=\"", "\"").is_some_and(|k| k.starts_with("usk_"))
    );
    speaks(
        &admin,
        "/admin/api-keys",
        &Said {
            vi: &[
                "<title>Khóa API · Quản trị Usher</title>",
                "<h1>Khóa API</h1>",
                ">Khóa mới</h2>",
                "<legend>Khóa được phép làm gì</legend>",
                "xem ai thuộc một nhóm và vai trò của họ",
                "slug của một nhóm",
                ">90 ngày</option>",
                ">1 năm</option>",
                ">Tạo khóa</button>",
                ">Các khóa</h2>",
                "<th>Phạm vi quyền</th>",
                "<th>Dùng lần cuối</th>",
                "<td>mọi nhóm</td>",
                "aria-label=\"Thu hồi khóa Billing\"",
                ">Thu hồi…</a>",
            ],
            en: &[
                "<title>API keys · Usher admin</title>",
                "<h1>API keys</h1>",
                ">New key</h2>",
                "<legend>What it may do</legend>",
                "see who belongs to a group, and their roles",
                "a group&#x27;s slug",
                ">90 days</option>",
                ">1 year</option>",
                ">Make the key</button>",
                ">Keys</h2>",
                "<th>Scopes</th>",
                "<th>Last used</th>",
                "<td>every group</td>",
                "aria-label=\"Revoke the key Billing\"",
                ">Revoke…</a>",
            ],
        },
        true,
    )
    .await;
    let keys: Value = app.read("/admin/api-keys", Some(&app.admin_token)).await;
    let revoke = |n: usize| format!("/admin/api-keys/{}/revoke", keys[n]["id"].as_str().unwrap());
    speaks(
        &admin,
        &revoke(0),
        &Said {
            vi: &["<h1>Thu hồi khóa API này?</h1>", "Billing sẽ ngừng hoạt động ngay lập tức", ">Thu hồi</button>"],
            en: &["<h1>Revoke this API key?</h1>", "Billing stops working at once", ">Revoke</button>"],
        },
        false,
    )
    .await;
    let english = admin.follow(&admin.pages.post(&revoke(0), &[]).await, None).await;
    let vietnamese = admin.follow(&admin.pages.post(&revoke(1), &[]).await, Some("vi")).await;
    let said = Said { vi: &["Khóa API đã bị thu hồi"], en: &["The API key was revoked"] };
    check("a key revoked", &vietnamese, &english, &said, true);
    assert!(vietnamese.contains("Chưa có khóa API nào.") && !vietnamese.contains("No API keys yet."), "{vietnamese}");
}
