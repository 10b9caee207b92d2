// SPDX-License-Identifier: Apache-2.0
import TokenGateFuzzChecks

/// libFuzzer's entry point for the `admission` target; the invariants are in `FuzzTarget.admission`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.admission.fuzz(data, size)
}
