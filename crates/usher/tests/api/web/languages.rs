//! The pages a person meets speak their language, on both backends: an email
//! invitation's `locale` sets its pages' language; elsewhere the browser's
//! `Accept-Language` among the shipped ones; else the instance's `default_locale`.

use reqwest::{StatusCode, header};
use serde_json::json;

use super::{browser_like, page_url};
use crate::harness::{Backend, TestApp};

on_both_backends!(backend: the_pages_speak_the_invitations_or_the_browsers_language);

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
