// SPDX-License-Identifier: Apache-2.0
import COpenSSL

/// Building a public key from, and splitting it into, the numbers a JWK carries.
extension PublicKey {
    /// RSA modulus `n` and exponent `e`, unsigned big-endian without leading zeros (JWK form).
    public func rsaComponents() throws(KeyError) -> (modulus: [UInt8], exponent: [UInt8]) {
        guard case .rsa = type else { throw KeyError(.unsupported, "not an RSA key") }
        return (try key.bigNumber("n"), try key.bigNumber("e"))
    }

    /// EC P-256 affine coordinates, each exactly 32 bytes (RFC 7518 §6.2.1.2).
    public func p256Coordinates() throws(KeyError) -> (x: [UInt8], y: [UInt8]) {
        guard type == .ecP256 else { throw KeyError(.unsupported, "not an EC P-256 key") }
        return (try key.bigNumber("qx", width: 32), try key.bigNumber("qy", width: 32))
    }

    /// An RSA public key from JWK `n` and `e`. Refuses keys under 2048 bits and even or tiny exponents.
    public init(rsaModulus modulus: [UInt8], exponent: [UInt8]) throws(KeyError) {
        let n = modulus.drop(while: { $0 == 0 })
        let e = exponent.drop(while: { $0 == 0 })
        guard n.count * 8 >= 2048, n.count <= 2048 else {
            throw KeyError(.unsupported, "RSA modulus has \(n.count * 8) bits; 2048 to 16384 are accepted")
        }
        guard !e.isEmpty, e.count <= 8, let last = e.last, last & 1 == 1, !(e.count == 1 && last < 3) else {
            throw KeyError(.malformed, "RSA exponent is not a small odd number ≥ 3")
        }
        let pointer = try Self.fromData(algorithm: "RSA") { builder throws(KeyError) in
            try builder.pushBigNumber("n", Array(n))
            try builder.pushBigNumber("e", Array(e))
        }
        try self.init(EVPKey(adopting: pointer))
    }

    /// An EC P-256 public key from JWK `x` and `y` (32 bytes each). OpenSSL rejects points not on
    /// the curve, and ``EVP_PKEY_public_check`` runs again to be explicit (RFC 8725 §3.4).
    public init(p256X x: [UInt8], y: [UInt8]) throws(KeyError) {
        guard x.count == 32, y.count == 32 else {
            throw KeyError(.malformed, "P-256 coordinates must be 32 bytes each, got \(x.count) and \(y.count)")
        }
        let point = [0x04] + x + y
        let pointer = try Self.fromData(algorithm: "EC") { builder throws(KeyError) in
            try builder.pushString("group", "P-256")
            try builder.pushOctets("pub", point)
        }
        let key = EVPKey(adopting: pointer)
        guard let check = EVP_PKEY_CTX_new_from_pkey(nil, pointer, nil) else {
            throw KeyError.openSSL(.internalFailure, "cannot create a key check context")
        }
        defer { EVP_PKEY_CTX_free(check) }
        guard EVP_PKEY_public_check(check) == 1 else {
            throw KeyError.openSSL(.malformed, "EC point is not on curve P-256")
        }
        try self.init(key)
    }

    /// `EVP_PKEY_fromdata` with the public-key selection (the header's `EVP_PKEY_PUBLIC_KEY` macro
    /// does not import into Swift, so the selection bits are spelled out).
    private static func fromData(
        algorithm: String, _ fill: (ParameterBuilder) throws(KeyError) -> Void
    ) throws(KeyError) -> OpaquePointer {
        let builder = try ParameterBuilder()
        try fill(builder)
        guard let params = OSSL_PARAM_BLD_to_param(builder.pointer) else {
            throw KeyError.openSSL(.internalFailure, "cannot build parameters")
        }
        defer { OSSL_PARAM_free(params) }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, algorithm, nil) else {
            throw KeyError.openSSL(.internalFailure, "cannot create a \(algorithm) key context")
        }
        defer { EVP_PKEY_CTX_free(context) }
        let selection = OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS | OSSL_KEYMGMT_SELECT_OTHER_PARAMETERS
            | OSSL_KEYMGMT_SELECT_PUBLIC_KEY
        var pointer: OpaquePointer?
        guard EVP_PKEY_fromdata_init(context) == 1,
            EVP_PKEY_fromdata(context, &pointer, Int32(selection), params) == 1,
            let pointer
        else { throw KeyError.openSSL(.malformed, "OpenSSL refused the \(algorithm) key parameters") }
        return pointer
    }
}

/// `OSSL_PARAM_BLD` plus everything it points at.
///
/// The builder stores big numbers, strings and octet strings *by reference* until
/// `OSSL_PARAM_BLD_to_param` copies them, so their storage must outlive every push; this class
/// owns that storage and frees it together with the builder.
final class ParameterBuilder {
    let pointer: OpaquePointer
    private var numbers: [OpaquePointer] = []
    private var buffers: [UnsafeMutableRawPointer] = []

    init() throws(KeyError) {
        guard let pointer = OSSL_PARAM_BLD_new() else { throw KeyError.openSSL(.internalFailure, "cannot allocate parameters") }
        self.pointer = pointer
    }

    deinit {
        OSSL_PARAM_BLD_free(pointer)
        numbers.forEach { BN_free($0) }
        buffers.forEach { $0.deallocate() }
    }

    func pushBigNumber(_ name: StaticString, _ bytes: [UInt8]) throws(KeyError) {
        guard let bn = BN_bin2bn(bytes, Int32(bytes.count), nil) else {
            throw KeyError.openSSL(.internalFailure, "cannot allocate a big number")
        }
        numbers.append(bn)
        guard OSSL_PARAM_BLD_push_BN(pointer, name.cString, bn) == 1 else {
            throw KeyError.openSSL(.internalFailure, "cannot build key parameter \(name)")
        }
    }

    func pushString(_ name: StaticString, _ value: String) throws(KeyError) {
        let bytes = Array(value.utf8) + [0]
        let copy = retained(bytes)
        guard OSSL_PARAM_BLD_push_utf8_string(pointer, name.cString, copy.assumingMemoryBound(to: CChar.self), bytes.count - 1) == 1 else {
            throw KeyError.openSSL(.internalFailure, "cannot build key parameter \(name)")
        }
    }

    func pushOctets(_ name: StaticString, _ bytes: [UInt8]) throws(KeyError) {
        let copy = retained(bytes)
        guard OSSL_PARAM_BLD_push_octet_string(pointer, name.cString, copy, bytes.count) == 1 else {
            throw KeyError.openSSL(.internalFailure, "cannot build key parameter \(name)")
        }
    }

    private func retained(_ bytes: [UInt8]) -> UnsafeMutableRawPointer {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { buffer.copyMemory(from: base, byteCount: source.count) }
        }
        buffers.append(buffer)
        return buffer
    }
}

private extension StaticString {
    /// Parameter names are ASCII literals; StaticString keeps them in static storage for the call.
    var cString: UnsafePointer<CChar> { UnsafeRawPointer(utf8Start).assumingMemoryBound(to: CChar.self) }
}
