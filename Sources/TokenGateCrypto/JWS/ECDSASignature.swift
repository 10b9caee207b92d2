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
        raw.withUnsafeBytes { raw in withDER(fromRaw: raw, width: width) { $0.map { Array($0) } } }
    }

    /// Calls `body` with the DER form of raw `r || s` (nil for a wrong length or a zero
    /// component), encoded by hand on the stack: DER is canonical, so these are the bytes
    /// `i2d_ECDSA_SIG` writes, without its three allocations per verification.
    public static func withDER<R>(fromRaw raw: UnsafeRawBufferPointer, width: Int = 32, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
        guard width > 0, width <= 64, raw.count == width * 2 else { return body(nil) }
        let r = UnsafeRawBufferPointer(rebasing: raw[0..<width])
        let s = UnsafeRawBufferPointer(rebasing: raw[width...])
        guard let rStart = r.firstIndex(where: { $0 != 0 }), let sStart = s.firstIndex(where: { $0 != 0 }) else { return body(nil) }
        // INTEGER content: the magnitude without leading zeros, plus a 0x00 when its top bit is set.
        let rLength = width - rStart + (r[rStart] & 0x80 != 0 ? 1 : 0)
        let sLength = width - sStart + (s[sStart] & 0x80 != 0 ? 1 : 0)
        let content = 2 + rLength + 2 + sLength  // below 128 for width <= 61: short-form lengths
        guard content < 128 else { return body(nil) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 + content) { der in
            var at = 0
            func put(_ byte: UInt8) { der[at] = byte; at += 1 }
            func integer(_ part: UnsafeRawBufferPointer, from start: Int, length: Int) {
                put(0x02)
                put(UInt8(length))
                if length > width - start { put(0) }
                for byte in part[start...] { put(byte) }
            }
            put(0x30)
            put(UInt8(content))
            integer(r, from: rStart, length: rLength)
            integer(s, from: sStart, length: sLength)
            return body(UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: der[0..<at])))
        }
    }

    /// DER → raw `r || s` for a signature OpenSSL just made, appended to `out` without the
    /// `d2i_ECDSA_SIG` and big-number allocations of ``rawFromDER(_:width:)``. Only the shape
    /// OpenSSL writes is read (short-form lengths, positive minimal INTEGERs); anything else goes
    /// through ``rawFromDER(_:width:)``, so the result is always the same.
    static func appendRaw(fromOwnDER der: [UInt8], width: Int = 32, to out: inout [UInt8]) throws(KeyError) {
        if der.count >= 8, der[0] == 0x30, Int(der[1]) == der.count - 2, der[2] == 0x02 {
            let rLength = Int(der[3])
            let sTag = 4 + rLength
            if rLength >= 1, sTag + 2 <= der.count, der[sTag] == 0x02 {
                let sLength = Int(der[sTag + 1])
                if sLength >= 1, sTag + 2 + sLength == der.count,
                    let r = magnitude(der[4..<sTag], width: width), let s = magnitude(der[(sTag + 2)...], width: width) {
                    out.append(contentsOf: repeatElement(0, count: width - r.count))
                    out.append(contentsOf: r)
                    out.append(contentsOf: repeatElement(0, count: width - s.count))
                    out.append(contentsOf: s)
                    return
                }
            }
        }
        out.append(contentsOf: try rawFromDER(der, width: width))
    }

    /// A positive INTEGER's magnitude (its 0x00 sign byte dropped), when it fits `width` bytes.
    private static func magnitude(_ content: ArraySlice<UInt8>, width: Int) -> ArraySlice<UInt8>? {
        guard let first = content.first, first & 0x80 == 0 else { return nil }
        let digits = first == 0 && content.count > 1 ? content.dropFirst() : content
        return digits.count <= width ? digits : nil
    }
}
