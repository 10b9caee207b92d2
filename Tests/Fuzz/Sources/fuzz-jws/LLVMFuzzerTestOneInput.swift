// SPDX-License-Identifier: Apache-2.0
import TokenGateFuzzChecks

/// libFuzzer's entry point for the `jws` target; the invariants are in `FuzzTarget.jws`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.jws.fuzz(data, size)
}
