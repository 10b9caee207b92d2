// SPDX-License-Identifier: Apache-2.0
import TokenGateFuzzChecks

/// libFuzzer's entry point for the `exchange-form` target; the invariants are in `FuzzTarget.exchangeForm`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.exchangeForm.fuzz(data, size)
}
