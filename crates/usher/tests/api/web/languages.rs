//! The pages a person meets speak their language, on both backends: an email
//! invitation's `locale` sets its pages' language; elsewhere the browser's
//! `Accept-Language` among the shipped ones; else the instance's `default_locale`.

use reqwest::{StatusCode, header};
use serde_json::json;

use super::{browser_like, form_of, page_url};
use crate::harness::{Backend, TestApp};

on_both_backends!(
    backend: the_pages_speak_the_invitations_or_the_browsers_language,
    refusals_and_field_errors_speak_the_persons_language
);

async fn page(app: &TestApp, path: &str, language: Option<&str>) -> (StatusCode, String) {
    let mut request = browser_like().get(page_url(app, path));
    if let Some(language) = language {
        request = request.header(header::ACCEPT_LANGUAGE, language);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn the_pages_speak_the_invitations_or_the_browsers_language(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let (_, english) = page(&app, "/login", None).await;
    assert!(english.contains("<html lang=\"en\">") && english.contains("Forgot password?"));
    let (_, vietnamese) = page(&app, "/login", Some("vi-VN,vi;q=0.9,en;q=0.8")).await;
    assert!(vietnamese.contains("<html lang=\"vi\">") && vietnamese.contains("Quên mật khẩu?"), "{vietnamese}");
    let (_, french) = page(&app, "/login", Some("fr-FR")).await;
    assert!(french.contains("<html lang=\"en\">"), "a language not shipped: the default");

    // An invitation in Vietnamese: its pages are, whatever the browser prefers.
    let (owner, _) = app.signed_in("olga").await;
    let group = app.create_group(&owner, "Book club").await;
    let invitation = app.group(&owner, &group).invite(json!({"email": "lan@example.com", "locale": "vi"})).await;
    let (status, landing) = page(&app, &format!("/invite/{}", invitation.token()), Some("en")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(landing.contains("<html lang=\"vi\">") && landing.contains("Tham gia Book club"), "{landing}");
    let (_, sign_up) = page(&app, &format!("/register?invite={}", invitation.token()), Some("en")).await;
    assert!(
        sign_up.contains("Tạo tài khoản của bạn") && sign_up.contains("olga đã mời bạn tham gia Book club"),
        "{sign_up}"
    );
    // A group's page and an invite's, for its owner's Vietnamese browser.
    let owner_cookie = format!("usher_session={owner}");
    let group_page = browser_like()
        .get(page_url(&app, &format!("/groups/{group}")))
        .header(header::COOKIE, &owner_cookie)
        .header(header::ACCEPT_LANGUAGE, "vi")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for said in ["Thành viên", "Mời mọi người", "Gửi lời mời", "1 ngày", "7 ngày", "Lời mời đang mở"]
    {
        assert!(group_page.contains(said), "{said}: {group_page}");
    }
    let english_one = app.group(&owner, &group).invite(json!({"email": "ann@example.com"})).await;
    let (_, landing) = page(&app, &format!("/invite/{}", english_one.token()), None).await;
    assert!(landing.contains("Join Book club"), "{landing}");

    // Leaving the group, asked in Vietnamese.
    let owner_id = app.me(&owner).await.user.id;
    let leave = browser_like()
        .get(page_url(&app, &format!("/groups/{group}/members/{owner_id}/remove")))
        .header(header::COOKIE, &owner_cookie)
        .header(header::ACCEPT_LANGUAGE, "vi")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(leave.contains("Rời nhóm này?") && leave.contains(">Hủy</a>"), "{leave}");

    // A refusal on the way says so in the person's language, with the way on.
    let (status, unknown) = page(&app, "/l/no-such-link", Some("vi")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        unknown.contains("Không tìm thấy") && unknown.contains("Liên kết đăng nhập này không tồn tại"),
        "{unknown}"
    );
    let code = app.group(&owner, &group).invite(json!({"role": "member"})).await;
    let (revoked, _) = app.delete(&format!("/groups/{group}/invites/{}", code.id), Some(&owner)).await;
    assert_eq!(revoked, StatusCode::NO_CONTENT);
    let (status, gone) = page(&app, &format!("/join/{}", code.code()), Some("vi")).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(gone.contains("Lời mời này đã bị thu hồi") && gone.contains(">Đăng nhập</a>"), "{gone}");
    let (_, gone_en) = page(&app, &format!("/join/{}", code.code()), None).await;
    assert!(gone_en.contains("This invite was revoked. Ask for a new one."), "{gone_en}");

    // The instance's default, for a browser that names none of ours.
    let Some(app) = TestApp::spawn_with(backend, |c| c.default_locale = "vi".into()).await else { return };
    let (_, default) = page(&app, "/", Some("de")).await;
    assert!(default.contains("Bạn chưa đăng nhập."), "{default}");
}

/// Every refusal a page can meet — an address that matches nothing, a refusal turned
/// into a page, a form without its CSRF pair, a field refused, the sign-up form's
/// check of the code — is worded in the person's language, and in English without one.
async fn refusals_and_field_errors_speak_the_persons_language(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let (status, nothing) = page(&app, "/no/such/page", Some("vi")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(nothing.contains("Không tìm thấy trang") && nothing.contains(">Trang chủ</a>"), "{nothing}");
    assert!(!nothing.contains("Page not found"), "{nothing}");
    let (_, nothing_en) = page(&app, "/no/such/page", None).await;
    assert!(nothing_en.contains("Page not found"), "{nothing_en}");

    // A refusal an operation answered, as the generic page: another group's page.
    let (owner, _) = app.signed_in("olga").await;
    let (stranger, _) = app.signed_in("sam").await;
    let group = app.create_group(&owner, "Book club").await;
    let refused = browser_like()
        .get(page_url(&app, &format!("/groups/{group}")))
        .header(header::COOKIE, format!("usher_session={stranger}"))
        .header(header::ACCEPT_LANGUAGE, "vi")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let refused = refused.text().await.unwrap();
    assert!(refused.contains("<h1>Không tìm thấy</h1>") && refused.contains("không tìm thấy"), "{refused}");

    // The sign-up form: its code check, a form without its CSRF pair, refused fields.
    let code = app.group(&owner, &group).invite(json!({"role": "member"})).await;
    let path = format!("/register?invite={}", code.code());
    let (_, sign_up) = page(&app, &path, Some("vi")).await;
    assert!(sign_up.contains("hợp lệ — tham gia Book club"), "{sign_up}");
    assert!(sign_up.contains("data-invite_revoked=\"Lời mời này đã bị thu hồi.\""), "{sign_up}");
    let (_, sign_up_en) = page(&app, &path, None).await;
    assert!(sign_up_en.contains("valid — joins Book club"), "{sign_up_en}");

    let fields = [("username", "X"), ("email", "not-an-address"), ("password", "short"), ("invite", code.code())];
    let no_pair = browser_like()
        .post(page_url(&app, "/register"))
        .header(header::ACCEPT_LANGUAGE, "vi")
        .form(&[("csrf", "forged"), ("username", "x"), ("email", "x@example.com"), ("password", "long enough")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_pair.status(), StatusCode::FORBIDDEN);
    let no_pair = no_pair.text().await.unwrap();
    assert!(no_pair.contains("Vui lòng thử lại") && no_pair.contains("Biểu mẫu này đã hết hạn"), "{no_pair}");

    let (_, _, csrf_cookie, csrf) = form_of(&app, &path, None).await;
    let post = |language: &'static str| {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(&fields);
        browser_like()
            .post(page_url(&app, "/register"))
            .header(header::COOKIE, &csrf_cookie)
            .header(header::ACCEPT_LANGUAGE, language)
            .form(&form)
            .send()
    };
    let refused = post("vi").await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let refused = refused.text().await.unwrap();
    for said in ["phải gồm 3 đến 32 ký tự", "phải là địa chỉ email", "phải có từ 8 đến"] {
        assert!(refused.contains(said), "{said}: {refused}");
    }
    assert!(!refused.contains("must be"), "{refused}");
    let refused_en = post("en").await.unwrap().text().await.unwrap();
    assert!(refused_en.contains("must be an email address like name@example.com"), "{refused_en}");
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE username = 'x'").await, 0, "nothing was made");
}
