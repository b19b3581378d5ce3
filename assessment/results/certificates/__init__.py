"""Certificates: issued on release to each candidate who passed, as a PDF with a code and a QR code,
verifiable by anyone on the public page and as a signed W3C Verifiable Credential (Open Badges 3.0)
whose revocation is published in a Bitstring Status List."""
