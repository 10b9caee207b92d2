// SPDX-License-Identifier: Apache-2.0
import TokenGateFuzzChecks

/// libFuzzer's entry point for the `config` target; the invariants are in `FuzzTarget.config`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTarget.config.fuzz(data, size)
}
