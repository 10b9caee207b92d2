// SPDX-License-Identifier: Apache-2.0
import TokenGateCrypto

/// The fixed keys the `jws` target verifies against: the public halves of one RSA-2048 and one
/// EC P-256 key made for the fuzz corpus. The seed tokens in `Tests/Fuzz/Corpus/jws` were signed
/// with the private halves, which were thrown away; valid signatures in the corpus let the fuzzer
/// mutate tokens that get as far as a successful verification.
enum FuzzVerificationKeys {
    static let jwks = #"{"keys":[{"use":"sig","kty":"RSA","kid":"-DD2kayo1o9k9kRDl38MuceK-DD9l1QsiindntEQW1Y","alg":"RS256","n":"lEPSUwcQ67GVsVlGbxwmUFWguVzIAy87a5kX0qmrKPmR2tZD7_6OYpF2ab3XnrTWdv8YP3pf76SY1vQS4Rr0OXmWgTdir28j0GLPOL3Kf2uj95hJHqHSYucPB21I7stpn-CmvG8NQV7NEmTr3IPvmdkM86Dw39PcLt0cVVLEXTrw83etRtPZBQ1AUe-SRO1IgppvW5BUAvuCLG7Uu-n8nM1ZU_zravXjSCtTAHPoAzxqZ-ku5kCh9ZC2QXcIc2rppceeUr-q4YByay0jRQ0xZqzXES1O3M8Q6n-VsSuyUb7Hi0LrMt1syxc8MoQxbVA-KBbHvYNc6Cdd0LJS0dyExQ","e":"AQAB"},{"use":"sig","kty":"EC","kid":"KPuCjtD5V1HkX-X7uuuABOpa10Q4PdswEROhgVSBKDU","alg":"ES256","crv":"P-256","x":"V-oAMpqqQBP83wSHaQ1o2QGNarD0VcibF182sW7-n7Q","y":"fDpI6mJ0iHd-p9W5s0z-I4s9A52XfAL7ABgio6w3HnE"}]}"#

    static let set: JWKSet = {
        do {
            return try JWKSet(parsing: Array(jwks.utf8))
        } catch {
            fatalError("the fuzz verification JWKS no longer parses: \(error)")
        }
    }()
}
