No match for "NEVER-REGISTERED-EXAMPLE.COM".
>>> Last update of whois database: 2024-03-05T00:00:00Z <<<
