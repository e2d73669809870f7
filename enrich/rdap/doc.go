// Package rdap asks RDAP (RFC 9082/9083, JSON over HTTPS) about IP
// addresses, keeps each answer byte for byte as evidence, and reads from it
// the network and, above all, its abuse contact: the address a report of
// abuse should go to.
//
// Guarantees:
//
//   - Nothing is sent anywhere unless the caller builds a Client and calls
//     Lookup. With Options.Server set, every request goes to that base URL
//     (redirects elsewhere are refused); with it empty, the IANA bootstrap
//     files (github.com/openrdap/rdap/bootstrap) name the registry, over the
//     real network. Private, loopback, documentation and other
//     special-purpose addresses are never sent.
//   - Requests are rate limited (one at a time), bounded by Options.Timeout
//     and the caller's context, and at most Options.MaxResponse bytes are
//     read.
//   - Response.Raw is the HTTP body exactly as received: the evidence
//     artefact.
//   - Each network is asked once per client: a later address inside a
//     network already answered is served from the cache.
//   - Parse never panics on hostile JSON and reads the registries' real
//     quirks: abuse entities nested under the registrant, an e-mail marked
//     {"type":"abuse"} beside others, roles written as one string
//     ("technical, abuse"), zero-padded or "/32"-suffixed addresses.
package rdap
