// Package witness lets others see a case's history grow append-only.
//
// A witness (C2SP tlog-witness) cosigns each signed checkpoint it is shown
// together with a consistency proof from the last one it cosigned, and
// refuses truncation and forks. Its cosignatures are C2SP tlog-cosignature
// lines (Ed25519, cosignature/v1, with the time of signing). Server runs
// such a witness; Publish sends a case's latest checkpoint to the witnesses
// of its Policy and to its RFC 3161 authority, and stores what they return
// beside the checkpoint; Check, for verify, checks what is stored and asks
// the witnesses what they have seen.
//
// Stored beside the log (derived data, outside the log's key spaces):
//
//	wg/policy                     the Policy in force and the index of the entry recording it
//	wc/<key hash BE32><size BE64> a witness's cosignature line on the checkpoint of that size
//	wt/<size BE64>                an RFC 3161 TimeStampResp over the signed checkpoint of that size
package witness
