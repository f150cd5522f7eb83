from playwright.sync_api import expect


def log_in(page, base_url, username, password):
    page.goto(f"{base_url}/")
    expect(page).to_have_url(f"{base_url}/login?next=/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_login_shows_the_roles_home_page(live_server, browser_page, make_user):
    user = make_user("supervisor")
    log_in(browser_page, live_server, user.username, user.password)
    expect(browser_page).to_have_url(f"{live_server}/")
    expect(browser_page.get_by_role("heading", level=1)).to_have_text("Supervisor home")
    expect(browser_page.get_by_role("navigation", name="Areas")).to_contain_text("Audit log")
    expect(browser_page.locator(".who")).to_contain_text(user.username)
    browser_page.get_by_role("button", name="Log out").click()
    expect(browser_page.get_by_text("You are logged out.")).to_be_visible()


def test_wrong_password_keeps_the_login_page(live_server, browser_page, make_user):
    user = make_user("editor")
    log_in(browser_page, live_server, user.username, "not-my-password")
    expect(browser_page.get_by_role("alert")).to_have_text("Unknown user or wrong password.")
    expect(browser_page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(browser_page.get_by_label("Username")).to_have_value(user.username)
    browser_page.goto(f"{live_server}/")
    expect(browser_page).to_have_url(f"{live_server}/login?next=/")
