// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import TokenGateBroker

@Suite("Kubernetes names from token claims")
struct KubernetesNamesTests {
    @Test("only RFC 1123 subdomains pass, so a claim can never reshape an API path")
    func subdomains() {
        #expect(KubernetesNames.isSubdomain("payments-api-6d9f7c8b5-k2x9p") && KubernetesNames.isSubdomain("a.b"))
        for bad in ["", "../x", "a/b", "A", "-a", "a-", "a?b", "a%2Fb", "a b", String(repeating: "a", count: 254)] {
            #expect(!KubernetesNames.isSubdomain(bad), "\(bad)")
        }
    }
}
