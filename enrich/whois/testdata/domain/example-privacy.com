Domain Name: FRESH-EXAMPLE.COM
Registry Domain ID: 1234567890_DOMAIN_COM-VRSN
Registrar WHOIS Server: whois.registrar.example
Registrar URL: http://www.registrar.example
Updated Date: 2024-03-02T10:11:12Z
Creation Date: 2024-03-01T09:08:07Z
Registry Expiry Date: 2025-03-01T09:08:07Z
Registrar: Example Registrar, LLC
Registrar IANA ID: 9999
Registrar Abuse Contact Email: abuse@registrar.example
Domain Status: clientTransferProhibited https://icann.org/epp#clientTransferProhibited
Registrant Name: REDACTED FOR PRIVACY
Registrant Organization: Privacy service provided by Withheld for Privacy ehf
Registrant Country: IS
Registrant Email: Please query the RDDS service of the Registrar of Record
Name Server: NS1.PARKING.EXAMPLE
Name Server: NS2.PARKING.EXAMPLE.
DNSSEC: unsigned
>>> Last update of whois database: 2024-03-05T00:00:00Z <<<

(synthetic fixture for casefile tests; not a real registration)
