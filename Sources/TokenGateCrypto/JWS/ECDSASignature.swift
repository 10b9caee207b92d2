// SPDX-License-Identifier: Apache-2.0
import COpenSSL

/// Converts ECDSA signatures between OpenSSL's DER `ECDSA-Sig-Value` and JWS's fixed-width
/// `r || s` (RFC 7518 §3.4: 32 + 32 bytes for ES256).
///
/// JWS verifiers that pass DER to OpenSSL unconverted, or accept any length, have shipped
/// signature-malleability bugs; the raw form is checked to be exactly 64 bytes here.
public enum ECDSASignature {
    /// DER → raw `r || s`, each left-padded to `width` bytes.
    public static func rawFromDER(_ der: [UInt8], width: Int = 32) throws(KeyError) -> [UInt8] {
        let signature: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, buffer.count)
        }
        guard let signature else { throw KeyError.openSSL(.malformed, "not a DER ECDSA signature") }
        defer { ECDSA_SIG_free(signature) }
        guard let r = ECDSA_SIG_get0_r(signature), let s = ECDSA_SIG_get0_s(signature) else {
            throw KeyError.openSSL(.malformed, "ECDSA signature lacks r or s")
        }
        var raw = [UInt8](repeating: 0, count: width * 2)
        let ok = raw.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return BN_bn2binpad(r, base, Int32(width)) == Int32(width)
                && BN_bn2binpad(s, base + width, Int32(width)) == Int32(width)
        }
        guard ok else { throw KeyError.openSSL(.malformed, "ECDSA signature component wider than \(width) bytes") }
        return raw
    }

    /// Raw `r || s` → DER. Returns nil for a wrong length or zero components, which can never
    /// verify, so callers answer "bad signature" without asking OpenSSL.
    public static func derFromRaw(_ raw: [UInt8], width: Int = 32) -> [UInt8]? {
        guard raw.count == width * 2 else { return nil }
        let rBytes = Array(raw[0..<width])
        let sBytes = Array(raw[width...])
        guard rBytes.contains(where: { $0 != 0 }), sBytes.contains(where: { $0 != 0 }),
            let signature = ECDSA_SIG_new()
        else { return nil }
        defer { ECDSA_SIG_free(signature) }
        guard let r = BN_bin2bn(rBytes, Int32(width), nil) else { return nil }
        guard let s = BN_bin2bn(sBytes, Int32(width), nil) else {
            BN_free(r)
            return nil
        }
        guard ECDSA_SIG_set0(signature, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        let length = i2d_ECDSA_SIG(signature, nil)
        guard length > 0 else { return nil }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_ECDSA_SIG(signature, &cursor)
        }
        return written == length ? der : nil
    }
}
