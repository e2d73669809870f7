package ui

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserAdminDisablesUser: an admin disables an analyst on the Users
// page while the analyst has the workbench open; the analyst's next click
// lands on the login form, and their password no longer logs in. Enabled
// again, they log in.
func TestBrowserAdminDisablesUser(t *testing.T) {
	admin, problems := browser(t)
	f := newFixture(t, "")
	dir := shots(t)
	base := f.ts.URL
	analyst, _ := browser(t)
	browserLogin(t, analyst, base, "ann")
	if err := chromedp.Do(analyst, chromedp.Navigate(base+"/evidence"), chromedp.WaitVisible(chromedp.CSS(`a[href="/sources"]`))); err != nil {
		t.Fatal(err)
	}

	browserLogin(t, admin, base, "ada")
	if err := chromedp.Do(admin, chromedp.Navigate(base+"/users"), chromedp.WaitVisible(chromedp.ID("disable-ann"))); err != nil {
		t.Fatal(err)
	}
	shot(t, admin, dir, "30-users-admin")
	if err := chromedp.Do(admin, chromedp.Click(chromedp.ID("disable-ann")), chromedp.WaitVisible(chromedp.ID("user-done"))); err != nil {
		t.Fatalf("disable: %v", err)
	}
	if got := text(t, admin, "#user-ann"); !strings.Contains(got, "disabled") {
		t.Errorf("ann's row after the disable: %q", got)
	}
	shot(t, admin, dir, "31-users-disabled")

	// The analyst's next click.
	if err := chromedp.Do(analyst, chromedp.Click(chromedp.CSS(`a[href="/sources"]`)), chromedp.WaitVisible(chromedp.ID("password"))); err != nil {
		t.Fatalf("the disabled analyst's click did not end at the login form: %v", err)
	}
	shot(t, analyst, dir, "32-disabled-user-click")
	if err := chromedp.Do(analyst, chromedp.SendKeys(chromedp.ID("user"), "ann"), chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Submit(chromedp.ID("password")), chromedp.WaitVisible(chromedp.CSS(`p.alert`))); err != nil {
		t.Fatalf("a disabled user's login was not refused: %v", err)
	}
	if u, err := chromedp.Run(analyst, chromedp.Location()); err != nil || !strings.Contains(u, "/login?failed=1") {
		t.Errorf("a disabled user's login: at %s (%v)", u, err)
	}

	if err := chromedp.Do(admin, chromedp.Click(chromedp.ID("enable-ann")), chromedp.WaitVisible(chromedp.ID("disable-ann"))); err != nil {
		t.Fatalf("enable: %v", err)
	}
	browserLogin(t, analyst, base, "ann")
	if p := problems(); len(p) > 0 {
		t.Errorf("browser problems:\n%s", strings.Join(p, "\n"))
	}
}
