// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateAdmission
import TokenGateJSON

/// Bodies that are not AdmissionReviews get exactly the 400 answer they got when Jansson read them
/// (the texts below are what the Jansson-based handler of commit 5cd03a7 wrote): the same line and
/// column for a duplicate key, the same words for bad UTF-8, depth and big numbers, and values
/// quoted as Jansson wrote them (`1.5` for `1.50`).
@Suite("Bad bodies: the same 400 answers as before, word for word")
struct BadBodyTests {
    static let head = #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":"#

    static let cases: [([UInt8], String)] = [
        (Array((head + #"{"uid":"x","uid":"y"}}"#).utf8),
         #"{"apiVersion":"v1","kind":"Status","status":"Failure","code":400,"reason":"BadRequest","message":"not a valid AdmissionReview: invalid JSON at line 1, column 87: duplicate object key near '\"uid\"'"}"#),
        (Array((head + #"{"uid":"x","object":{"metadata":{"labels":{"app.kubernetes.io/managed-by":"a","app.kubernetes.io/managed-by":"b"}}}}}"#).utf8),
         #"{"apiVersion":"v1","kind":"Status","status":"Failure","code":400,"reason":"BadRequest","message":"not a valid AdmissionReview: invalid JSON at line 1, column 179: duplicate object key"}"#),
        (Array((head + #"{"uid":"x","object":{"s":""#).utf8) + [0xC3, 0x28] + Array(#""}}}"#.utf8),
         #"{"apiVersion":"v1","kind":"Status","status":"Failure","code":400,"reason":"BadRequest","message":"not a valid AdmissionReview: invalid JSON at line 1, column 97: unable to decode byte 0xc3 near '\"'"}"#),
        (Array((head + #"{"uid":"x","object":{"s":""#).utf8) + [0xED, 0xA0, 0x80] + Array(#""}}}"#.utf8),
         #"{"apiVersion":"v1","kind":"Status","status":"Failure","code":400,"reason":"BadRequest","message":"not a valid AdmissionReview: invalid JSON at line 1, column 97: unable to decode byte 0xed near '\"'"}"#),
        (Array((head + #"{"uid":"x","s":"\ud800"}}"#).utf8),
         #"{"apiVersion":"v1","kind":"Status","status":"Failure","code":400,"reason":"BadRequest","message":"not a valid AdmissionReview: invalid JSON at line 1, column 94: invalid Unicode '\\uD800' near '\"\\ud800\"'"}"#),
        (Array((head + #"{"uid":"x","object":"# + String(repeating: #"{"a":"#, count: 63) + "1" + String(repeating: "}", count: 63) + "}}").utf8),
         #"{"apiVersion":"v1","kind":"Status","status":"Failure","code":400,"reason":"BadRequest","message":"not a valid AdmissionReview: JSON nests deeper than 64 levels"}"#),
        (Array((head + #"{"uid":"x","a\u0000b":1}}"#).utf8),
         #"{"apiVersion":"v1","kind":"Status","status":"Failure","code":400,"reason":"BadRequest","message":"not a valid AdmissionReview: invalid JSON at line 1, column 92: NUL byte in object key not supported near '\"a\\u0000b\"'"}"#),
        (Array((head + #"{"uid":"x","n":9223372036854775808}}"#).utf8),
         #"{"apiVersion":"v1","kind":"Status","status":"Failure","code":400,"reason":"BadRequest","message":"not a valid AdmissionReview: invalid JSON at line 1, column 105: too big integer near '9223372036854775808'"}"#),
        (Array(#"{"apiVersion":1.50,"kind":"AdmissionReview","request":{"uid":"x"}}"#.utf8),
         #"{"apiVersion":"v1","kind":"Status","status":"Failure","code":400,"reason":"BadRequest","message":"not a valid AdmissionReview: apiVersion is 1.5; expected \"admission.k8s.io/v1\" or \"admission.k8s.io/v1beta1\""}"#),
        (Array(#"{"apiVersion":0.1,"kind":"AdmissionReview","request":{"uid":"x"}}"#.utf8),
         #"{"apiVersion":"v1","kind":"Status","status":"Failure","code":400,"reason":"BadRequest","message":"not a valid AdmissionReview: apiVersion is 0.10000000000000001; expected \"admission.k8s.io/v1\" or \"admission.k8s.io/v1beta1\""}"#),
        (Array(#"{"apiVersion":{"b":[1, 2.0e1],"a":"\u00e9\/"},"kind":"AdmissionReview","request":{"uid":"x"}}"#.utf8),
         #"{"apiVersion":"v1","kind":"Status","status":"Failure","code":400,"reason":"BadRequest","message":"not a valid AdmissionReview: apiVersion is {\"b\":[1,20.0],\"a\":\"é/\"}; expected \"admission.k8s.io/v1\" or \"admission.k8s.io/v1beta1\""}"#),
        (Array(#"{"apiVersion":"admission.k8s.io/v2\u0001\"","kind":"AdmissionReview","request":{"uid":"x"}}"#.utf8),
         #"{"apiVersion":"v1","kind":"Status","status":"Failure","code":400,"reason":"BadRequest","message":"not a valid AdmissionReview: apiVersion is \"admission.k8s.io/v2\\u0001\\\"\"; expected \"admission.k8s.io/v1\" or \"admission.k8s.io/v1beta1\""}"#),
        (Array(#"{"apiVersion":"admission.k8s.io/v1","kind":["Admission\u00e9Review"],"request":{"uid":"x"}}"#.utf8),
         #"{"apiVersion":"v1","kind":"Status","status":"Failure","code":400,"reason":"BadRequest","message":"not a valid AdmissionReview: kind is [\"AdmissionéReview\"]; expected \"AdmissionReview\""}"#),
        (Array(#"{"apiVersion":null,"kind":"AdmissionReview","request":{"uid":"x"}}"#.utf8),
         #"{"apiVersion":"v1","kind":"Status","status":"Failure","code":400,"reason":"BadRequest","message":"not a valid AdmissionReview: apiVersion is missing; expected \"admission.k8s.io/v1\""}"#),
        (Array(#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","dryRun":"yes"}}"#.utf8),
         #"{"apiVersion":"v1","kind":"Status","status":"Failure","code":400,"reason":"BadRequest","message":"not a valid AdmissionReview: request.dryRun must be a bool or null"}"#),
        (Array(#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","kind":[]}}"#.utf8),
         #"{"apiVersion":"v1","kind":"Status","status":"Failure","code":400,"reason":"BadRequest","message":"not a valid AdmissionReview: request.kind must be an object or null"}"#),
        (Array(#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":[]}"#.utf8),
         #"{"apiVersion":"v1","kind":"Status","status":"Failure","code":400,"reason":"BadRequest","message":"not a valid AdmissionReview: request is missing or not an object"}"#),
        (Array(#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":7}}"#.utf8),
         #"{"apiVersion":"v1","kind":"Status","status":"Failure","code":400,"reason":"BadRequest","message":"not a valid AdmissionReview: request.uid is missing or not a non-empty string"}"#),
        (Array("\u{FEFF}{}".utf8),
         #"{"apiVersion":"v1","kind":"Status","status":"Failure","code":400,"reason":"BadRequest","message":"not a valid AdmissionReview: invalid JSON at line 1, column 1: invalid token near '﻿'"}"#),
    ]

    @Test("duplicate keys, invalid UTF-8, too deep, NUL in a key, big integers, wrong types", arguments: cases)
    func sameAnswer(_ body: [UInt8], _ expected: String) {
        let handler = TokenGateAdmissionHandler(settings: AdmissionFixtures.settings)
        let outcome = handler.review(body, at: .mutate, reusing: JSONViewParser())
        #expect(outcome.httpStatus == 400)
        #expect(outcome.record == nil)
        #expect(String(decoding: outcome.body, as: UTF8.self) == expected)
    }
}
