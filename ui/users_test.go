package ui

import (
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	h := hashPassword([]byte("a long enough password"))
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q", h)
	}
	if !checkPassword(h, []byte("a long enough password")) || checkPassword(h, []byte("a long enough passwore")) {
		t.Error("checkPassword")
	}
	if h2 := hashPassword([]byte("a long enough password")); h2 == h {
		t.Error("no salt")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=19456,t=2,p=1$AA$AA", "$argon2id$v=19$m=99999999,t=2,p=1$AA$AA",
		"$argon2id$v=19$m=19456,t=0,p=1$AA$AA", "$argon2id$v=19$m=19456,t=2,p=1$!!$AA", dummyHash} {
		if checkPassword(bad, []byte("x")) {
			t.Errorf("accepted %q", bad)
		}
	}
}

func FuzzCheckPassword(f *testing.F) {
	f.Add(dummyHash, "pw")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$AAAA$AAAA", "")
	f.Fuzz(func(t *testing.T, phc, pw string) {
		if strings.Contains(phc, "m=") && !strings.Contains(phc, "m=8,") {
			return // keep the fuzzer from spending its time in argon2
		}
		checkPassword(phc, []byte(pw))
	})
}
