//go:build tools

// Temporary: pins every dependency while packages are being written.
package deps

import (
	_ "github.com/dgraph-io/badger/v4"
	_ "github.com/gopacket/gopacket"
	_ "github.com/gopacket/gopacket/layers"
	_ "github.com/gopacket/gopacket/pcapgo"
	_ "github.com/gorilla/mux"
	_ "github.com/likexian/whois"
	_ "github.com/likexian/whois-parser"
	_ "github.com/maxmind/mmdbwriter"
	_ "github.com/maxmind/mmdbwriter/mmdbtype"
	_ "github.com/oschwald/geoip2-golang/v2"
	_ "github.com/oschwald/maxminddb-golang/v2"
	_ "github.com/rogpeppe/go-internal/testscript"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
	_ "github.com/schollz/progressbar/v3"
	_ "github.com/sigstore/sigstore/pkg/cryptoutils"
	_ "github.com/sigstore/sigstore/pkg/signature"
	_ "github.com/spf13/cobra"
	_ "go4.org/netipx"
	_ "golang.org/x/mod/sumdb/note"
	_ "golang.org/x/mod/sumdb/tlog"
	_ "golang.org/x/net/idna"
	_ "golang.org/x/term"
	_ "www.velocidex.com/golang/evtx"
)
