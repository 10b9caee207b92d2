// SPDX-License-Identifier: Apache-2.0
import TokenGateFuzzChecks

/// libFuzzer's entry point for the `pem` target; the invariants are in `FuzzTarget.pem`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.pem.fuzz(data, size)
}
