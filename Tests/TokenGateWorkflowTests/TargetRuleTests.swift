// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import TokenGateWorkflow

/// Target rules: tokenType (case-insensitive) and what each type needs, url, placeholders.
@Suite struct TargetRuleTests {
    static func spec(_ params: [(String, String)], secretParams: [String] = []) -> SpecValue {
        .map([
            "className": .string("com.tremolosecurity.unison.openshiftv3.OpenShiftTarget"),
            "params": .list(params.map { .map(["name": .string($0.0), "value": .string($0.1)]) }),
            "secretParams": .list(secretParams.map {
                .map(["name": .string($0), "secretName": .string("s"), "secretKey": .string("k")])
            }),
        ])
    }

    static func lines(_ spec: SpecValue) -> [String] {
        TokenGateWorkflowTests.lines(WorkflowValidator().validateTarget(spec: spec))
    }

    /// The chart's remote-cluster target (openunison-k8s-add-cluster), rendered.
    @Test func chartRemoteClusterTargetIsAccepted() {
        #expect(Self.lines(Self.spec([
            ("url", "https://k8s.remote.example:6443"), ("useToken", "true"), ("tokenType", "oidc"),
            ("oidcIdp", "remotek8s"), ("oidcSub", "openunison"), ("oidcAudience", "kubernetes"), ("label", "remote"),
        ])) == [])
    }

    @Test(arguments: ["legacy", "TokenAPI", "none", "NONE"])
    func tokenTypesWithoutParamsAreAccepted(tokenType: String) {
        #expect(Self.lines(Self.spec([("tokenType", tokenType), ("url", "")])) == [])
    }

    @Test func tokenFromTheDocsIsRejectedWithTheFix() {
        #expect(Self.lines(Self.spec([("tokenType", "token")])) == [
            "error: spec.params[0].value: \"token\" is not a tokenType; allowed (any case): legacy, tokenapi, static, "
                + "certificate, oidc and none (hint: OpenUnison's docs show \"token\", but the parser does not accept it: "
                + "use \"static\" with a secretParams entry named token, or \"oidc\" for a remote cluster)"
        ])
    }

    @Test func misspelledTokenTypeGetsASuggestion() {
        #expect(Self.lines(Self.spec([("tokenType", "oicd")])).first?.hasSuffix("(hint: did you mean \"oidc\"?)") == true)
    }

    @Test func oidcNeedsItsThreeParams() {
        #expect(Self.lines(Self.spec([("tokenType", "OIDC"), ("oidcSub", "openunison"), ("oidcAudience", " ")])) == [
            "error: spec.params: tokenType oidc needs the param oidcIdp (hint: oidcIdp names the IdP application that "
                + "signs the token, oidcSub its subject, oidcAudience the audience the remote cluster expects)",
            "error: spec.params: tokenType oidc needs the param oidcAudience (hint: oidcIdp names the IdP application "
                + "that signs the token, oidcSub its subject, oidcAudience the audience the remote cluster expects)",
        ])
    }

    @Test func staticNeedsATokenSecretParam() {
        #expect(Self.lines(Self.spec([("tokenType", "static")], secretParams: ["password"])) == [
            "error: spec.secretParams: tokenType static needs a secretParams entry named token (hint: add - name: "
                + "token, secretName: <Secret>, secretKey: <key>)"
        ])
        #expect(Self.lines(Self.spec([("tokenType", "static")], secretParams: ["token"])) == [])
    }

    @Test func certificateNeedsCertSecretURI() {
        #expect(Self.lines(Self.spec([("tokenType", "certificate")])) == [
            "error: spec.params: tokenType certificate needs the param certSecretURI (hint: certSecretURI names the "
                + "Secret with the client certificate and key)"
        ])
        #expect(Self.lines(Self.spec([("tokenType", "certificate"), ("certSecretURI", "k8s://ns/secret")])) == [])
    }

    @Test(arguments: [
        ("kubernetes.default.svc", "\"kubernetes.default.svc\" is not a URL; expected https://host[:port] (hint: start it with https://)"),
        ("https://", "the url \"https://\" has no host (hint: expected https://host[:port], e.g. https://api.cluster.example:6443)"),
        ("https://api:99999", "the url \"https://api:99999\" has an invalid port \"99999\" (hint: expected https://host[:port], e.g. https://api.cluster.example:6443)"),
        ("https://my api", "the url \"https://my api\" contains spaces (hint: expected https://host[:port], e.g. https://api.cluster.example:6443)"),
    ])
    func malformedURLs(url: String, expected: String) {
        #expect(Self.lines(Self.spec([("url", url)])) == ["error: spec.params[0].value: " + expected])
    }

    @Test(arguments: ["https://kubernetes.default.svc", "https://10.0.0.1:6443/", "http://[::1]:8080/api", "", "#[K8S_URL]"])
    func wellFormedOrUnknownURLsAreAccepted(url: String) {
        #expect(Self.lines(Self.spec([("url", url)])) == [])
    }

    @Test func placeholderInATokenTypeIsNotJudged() {
        #expect(Self.lines(Self.spec([("tokenType", "#[K8S_TOKEN_TYPE]")])) == [])
        #expect(Self.lines(Self.spec([("tokenType", "#[K8S_TOKEN_TYPE")])) == [
            "error: spec.params[0].value: the placeholder \"#[\" is not closed by \"]\" on the same line (hint: write "
                + "#[NAME] or #[NAME:default]; OpenUnison would replace everything up to the next \"]\" anywhere in the "
                + "object, or fail to load the workflow if there is none)"
        ])
    }

    @Test func unknownSpecFieldsAreWarnings() {
        #expect(Self.lines(.map(["className": .string("x"), "param": .list([])])) == [
            "warning: spec.param: \"param\" is not a Target field, so the API server silently drops it; fields: "
                + "className, params, secretParams and targetAttributes (hint: did you mean \"params\"?)"
        ])
    }
}
