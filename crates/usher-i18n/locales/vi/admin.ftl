# The admin console: its pages, confirmations and the audit log's sentences.

## Mọi trang: tiêu đề và các thẻ.
admin-title = { $page } · Quản trị { $instance }
admin-invites = Lời mời
admin-users = Người dùng
admin-apps = Ứng dụng
admin-failed-mail = Thư gửi lỗi
admin-audit-log = Nhật ký kiểm tra

## Những từ nhiều trang dùng.
admin-for = Dành cho
admin-more = Xem thêm
admin-delete = Xóa
admin-delete-ellipsis = Xóa…
admin-unlimited = không giới hạn
admin-search = Tìm kiếm
# Cho biểu mẫu tìm kiếm của các danh sách (search_form trong macros.html).
admin-search-find = Tìm
admin-search-show = Hiển thị
admin-created-by = Người tạo
admin-status-active = đang hoạt động
admin-status-revoked = đã thu hồi
admin-status-used-up = đã hết lượt
admin-status-expired = đã hết hạn

## Lời mời đăng ký.
admin-registration-invites = Lời mời đăng ký
admin-new-invite = Lời mời mới
admin-invite-description = Dùng để làm gì
admin-invite-description-hint = (không bắt buộc, hiển thị cho người dùng lời mời này)
admin-invite-return-to-hint = (không bắt buộc: một trang của ứng dụng, nơi người đăng ký sẽ được đưa đến)
admin-create-invite = Tạo lời mời
admin-invites-search = mã hoặc mô tả
admin-invites-every = Mọi lời mời
admin-invites-active = Chỉ những lời mời còn dùng được
admin-older-invites = Lời mời cũ hơn
admin-no-invite-matches = Không có lời mời nào khớp.
admin-no-invites = Chưa có lời mời đăng ký nào.
admin-invite = Lời mời
admin-sign-up-link = Liên kết đăng ký
admin-all-invites = Tất cả lời mời
admin-confirm-revoke-invite-text = Sẽ không ai có thể đăng ký bằng { $code } nữa. Những người đã đăng ký vẫn giữ tài khoản của họ.

## Người dùng.
admin-new-user = Người dùng mới
admin-new-user-hint = Được tạo mà không có mật khẩu: hãy gửi cho họ một liên kết đăng nhập.
admin-create-user = Tạo người dùng
admin-everyone = Mọi người
admin-users-search = tên người dùng, email hoặc tên
admin-users-enabled = Đang hoạt động
admin-users-disabled = Bị vô hiệu hóa
admin-users-admins = Quản trị viên
admin-tag-disabled = bị vô hiệu hóa
admin-tag-admin = quản trị viên
admin-tag-no-password = chưa có mật khẩu
admin-sign-in-link-button = Liên kết đăng nhập…
admin-enable = Kích hoạt
admin-disable = Vô hiệu hóa
admin-nobody-matches = Không có ai khớp.
admin-more-users = Xem thêm người dùng
admin-confirm-delete-user = Xóa người dùng này?
admin-confirm-delete-user-text = { $name } sẽ mất tài khoản, các phiên đăng nhập và tư cách thành viên trong các nhóm; những nhóm chỉ có người này sẽ bị xóa. Không thể hoàn tác.

## Liên kết đăng nhập.
admin-active-links = Liên kết đăng nhập đang hoạt động
admin-no-active-links = Không có liên kết đăng nhập nào đang hoạt động. Mỗi liên kết có hiệu lực { $count } giờ, trừ khi được đặt khác.
admin-sign-in-link = Liên kết đăng nhập
admin-sign-in-link-for = Liên kết đăng nhập cho { $name }
admin-new-link-signs = Một liên kết giúp
admin-new-link-in-once = đăng nhập một lần. Nó sẽ hiện cho bạn ở trang tiếp theo; cũng có thể gửi nó qua email đến { $email }.
admin-works-for = Có hiệu lực trong
admin-also-email = Gửi thêm qua email đến { $email }
admin-make-link = Tạo liên kết
admin-link-shown-now = Liên kết này chỉ hiện lần này. Nó giúp
admin-link-in-once = đăng nhập một lần
admin-link-until = , cho đến
admin-link-shown-once = Bản thân liên kết chỉ hiện một lần, khi nó được tạo. Nếu đã làm mất, hãy thu hồi nó và tạo một liên kết mới.
admin-made = Tạo lúc
admin-confirm-revoke-link = Thu hồi liên kết đăng nhập này?
admin-confirm-revoke-link-text = Người đang giữ liên kết này sẽ không thể dùng nó để đăng nhập nữa.

## Thư gửi lỗi và bản xem trước của mọi thư.
admin-preview-every-email = Xem trước mọi thư
admin-preview-every-email-rest = như người nhận sẽ thấy, với dữ liệu mẫu.
admin-to = Người nhận
admin-what = Loại thư
admin-tries = Số lần thử
admin-last-error = Lỗi gần nhất
admin-retry = Thử lại
admin-no-failed-mail = Không có thư gửi lỗi nào. Mọi thư đều đã được gửi hoặc vẫn đang được thử gửi.
admin-mail-invitation = lời mời
admin-mail-invitation-resent = lời mời gửi lại
admin-mail-login-link = liên kết đăng nhập
admin-mail-email-verification = xác nhận email
admin-email-previews = Xem trước thư
admin-email-previews-intro = Mọi thư Usher gửi đi, với dữ liệu mẫu, giao diện và mẫu thư của máy chủ này.
admin-language = Ngôn ngữ:
admin-html-version = bản HTML

## Nhật ký kiểm tra: tìm kiếm, các cột, ai đã làm gì ("@alice đã thu hồi một lời mời").
admin-audit-what = Việc gì
admin-audit-anything = Bất cứ việc gì
admin-audit-who = Ai
admin-audit-actor-placeholder = tên người dùng
admin-audit-since = Từ ngày
admin-audit-until = Đến ngày
admin-audit-one-thing = Chỉ những việc đã làm với một đối tượng.
admin-audit-everything = Tất cả
admin-audit-when = Khi nào
admin-audit-did = Việc đã làm
admin-audit-target = Đối tượng
admin-audit-from = Từ địa chỉ
admin-audit-older = Sự kiện cũ hơn
admin-audit-nothing = Không có ghi nhận nào khớp.
admin-did-invite-created = đã tạo một lời mời
admin-did-invite-revoked = đã thu hồi một lời mời
admin-did-invite-accepted = đã tham gia qua một lời mời
admin-did-invite-resent = đã gửi lại một lời mời
admin-did-invite-link-copied = đã tạo một liên kết mời mới
admin-did-login-link-created = đã tạo một liên kết đăng nhập
admin-did-login-link-redeemed = đã đăng nhập bằng một liên kết
admin-did-login-link-revoked = đã thu hồi một liên kết đăng nhập
admin-did-user-registered = đã đăng ký
admin-did-user-login = đã đăng nhập
admin-did-user-login-failed = đăng nhập không thành công
admin-did-user-created = đã tạo một người dùng
admin-did-user-updated = đã thay đổi một người dùng
admin-did-user-deleted = đã xóa một người dùng
admin-did-user-email-verified = đã xác nhận địa chỉ email của mình
admin-did-user-signed-out-elsewhere = đã đăng xuất ở mọi nơi khác
admin-did-group-created = đã tạo một nhóm
admin-did-group-updated = đã thay đổi một nhóm
admin-did-group-deleted = đã xóa một nhóm
admin-did-member-role-changed = đã đổi vai trò của một thành viên
admin-did-member-removed = đã xóa một thành viên khỏi nhóm
admin-did-app-created = đã đăng ký một ứng dụng
admin-did-app-updated = đã thay đổi một ứng dụng
admin-did-app-deleted = đã xóa một ứng dụng
admin-did-email-retried = đã xếp hàng gửi lại một thư
admin-target-group = một nhóm
admin-target-invite = một lời mời
admin-target-sign-in-link = một liên kết đăng nhập
admin-target-member = một thành viên
admin-target-app = một ứng dụng
admin-target-email = một thư
admin-target-user = một người dùng

## Ứng dụng.
admin-apps-intro = Các ứng dụng cho mọi người đăng nhập qua Usher bằng OpenID Connect. Issuer là địa chỉ của trang này.
admin-new-app = Ứng dụng mới
admin-app-name = Tên
admin-redirect-uris = URI chuyển hướng
admin-redirect-uris-hint = (mỗi dòng một địa chỉ; https, hoặc http trên 127.0.0.1)
admin-home-page = Trang chủ
admin-home-page-hint = (không bắt buộc: nơi những người tham gia một nhóm của ứng dụng này được đưa đến)
admin-first-party = Ứng dụng nội bộ: không ai phải xác nhận đồng ý
admin-public = Công khai (ứng dụng trên trình duyệt hoặc điện thoại): không có khóa bí mật, dùng PKCE
admin-register-app = Đăng ký ứng dụng
admin-registered = Đã đăng ký
admin-client-id = Mã client
admin-client-secret = Khóa bí mật client
admin-kind = Loại
admin-kind-public = công khai
admin-kind-public-long = công khai (PKCE, không có khóa bí mật)
admin-kind-confidential = bảo mật
admin-tag-first-party = nội bộ
admin-settings = Cài đặt
admin-new-secret-button = Khóa bí mật mới…
admin-more-apps = Xem thêm ứng dụng
admin-no-apps = Chưa có ứng dụng nào.
admin-secret-shown-now = Khóa bí mật chỉ hiện lần này: hãy đặt nó vào cấu hình của ứng dụng cùng với mã client. Usher chỉ giữ bản băm của nó.
admin-copy = Sao chép
admin-copy-secret = Sao chép khóa bí mật
admin-one-a-line = (mỗi dòng một địa chỉ)
admin-one-a-line-optional = (mỗi dòng một địa chỉ, không bắt buộc)
admin-after-sign-out = Sau khi đăng xuất
admin-only-members-of = Chỉ thành viên của
admin-only-members-of-hint = (slug của nhóm, cách nhau bằng dấu phẩy; để trống: mọi người)
admin-save = Lưu
admin-confirm-new-secret = Cấp khóa bí mật mới cho ứng dụng này?
admin-confirm-new-secret-text = { $app } sẽ không dùng được khóa bí mật hiện tại nữa, và ngừng hoạt động cho đến khi cấu hình của nó có khóa mới.
admin-new-secret = Cấp khóa mới
admin-confirm-delete-app = Xóa ứng dụng này?
admin-confirm-delete-app-text = Sẽ không ai có thể đăng nhập vào { $app } qua Usher nữa; các token của nó sẽ ngừng hoạt động.
