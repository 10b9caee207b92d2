// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// The broker's issuer metadata, served at `GET /.well-known/openid-configuration`, so a remote
/// API server (`--oidc-issuer-url`, or structured authentication configuration) and
/// kube-oidc-proxy can find `GET /keys` and trust tokens the broker issues.
///
/// Shaped like the Kubernetes API server's own document (k8s-api.md §5.3) plus the OAuth fields
/// an RFC 8414 client looks for, and `claims_supported`, which some consumers require.
public enum BrokerDiscovery {
    public static func document(settings: BrokerSettings, keys: SigningKeySet) -> JSON {
        [
            "issuer": .string(settings.issuer),
            "jwks_uri": .string(settings.jwksURL),
            "token_endpoint": .string(settings.tokenEndpoint),
            "grant_types_supported": ["urn:ietf:params:oauth:grant-type:token-exchange"],
            "token_endpoint_auth_methods_supported": ["none"],
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": .array(keys.algorithms.map { .string($0.rawValue) }),
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "client_id", "scope", "tokengate.io"],
        ]
    }
}
