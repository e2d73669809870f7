// Package notify prepares abuse reports from a case: for every source with
// an external verdict (perpetrator infrastructure, anonymisation relay,
// compromised third party, abused platform; the examiner's verdict when one
// was recorded), it finds the abuse contact in the recorded observations
// (RDAP first, WHOIS as fallback; a domain's registrar's; for a cloud front
// end reassigned to a customer, the platform's desk, platform.go), groups
// the sources by contact, and writes for each contact an e-mail body a
// person can send and one X-ARF v4 report per source. For a CERT or the
// police it writes a MISP event and a STIX 2.1 bundle of one selection (the
// curated IOC list, else the sources with an external verdict), and drafts
// of preservation requests and the NIS2 notification. A cloud service
// principal is nobody to notify: it is the provider acting for the
// victim's own account (WhyServicePrincipal).
//
// The lawful alternative to hacking back is to tell the people who can act,
// with evidence they can check. So the e-mail is written for the
// recipient's position (the owner of a compromised host is not a suspect; a
// relay operator is asked to preserve logs, not to act), quotes only the
// log lines the assessment cites, gives times in UTC and the case's key
// fingerprint, and each report written is a custody entry
// (notification.prepared) naming the recipient, the sources and the SHA-256
// of every file. Nothing is sent.
package notify
