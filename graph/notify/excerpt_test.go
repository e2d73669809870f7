package notify

import "testing"

func TestMinimise(t *testing.T) {
	for _, c := range []struct{ line, user, source, want string }{
		{"Failed password for root from 1.2.3.4 port 5 ssh2", "root", "1.2.3.4", "Failed password for [account] from 1.2.3.4 port 5 ssh2"},
		{"Accepted password for rgarcia from 1.2.3.4 port 46407 ssh2", "rgarcia", "1.2.3.4", "Accepted password for [account] from 1.2.3.4 port 46407 ssh2"},
		{"Invalid user rootkit from 1.2.3.4, user root", "root", "1.2.3.4", "Invalid user rootkit from 1.2.3.4, user [account]"},
		{"login ann@x.example; ann@x.example again", "ann@x.example", "1.2.3.4", "login [account]; [account] again"},
		{"user 1.2.3.4 from 1.2.3.4", "1.2.3.4", "1.2.3.4", "user 1.2.3.4 from 1.2.3.4"},
		{"user 22 from 1.2.3.4 port 22", "22", "1.2.3.4", "user 22 from 1.2.3.4 port 22"},
		{"no user here", "", "1.2.3.4", "no user here"},
	} {
		if got := minimise(c.line, c.user, c.source); got != c.want {
			t.Errorf("minimise(%q, %q) = %q, want %q", c.line, c.user, got, c.want)
		}
	}
}
