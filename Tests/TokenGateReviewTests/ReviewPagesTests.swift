// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateAudit
@testable import TokenGateReview

@Suite("Review pages: escaping, CSV, Content-Security-Policy")
struct ReviewPagesTests {
    static let hostile = "<script>alert(1)</script>\"' onmouseover=x &lt;b&gt;"

    @Test("templates never use the unescaped forms {{{…}}} or {{&…}}")
    func templatesAlwaysEscape() {
        for (name, text) in ReviewTemplates.all {
            #expect(!text.contains("{{{"), "template \(name)")
            #expect(!text.contains("{{&"), "template \(name)")
        }
    }

    @Test("hostile names and reasons from the trail are rendered as text on every view")
    func hostileValuesAreText() throws {
        let trail = try ReviewTrail()
        try trail.store.insert([
            trail.exchange(.granted, hours: 1, pod: Self.hostile, uid: "u-x", namespace: Self.hostile, sa: Self.hostile,
                           cluster: Self.hostile, audience: Self.hostile, issued: "jti-hostile"),
            trail.exchange(.denied, hours: 2, pod: Self.hostile, uid: "u-x", sa: Self.hostile, reason: Self.hostile),
            trail.admission(.allowed, hours: 1, kind: "Deployment", name: Self.hostile, reason: Self.hostile),
        ])
        let pages = try ReviewPages(reader: ReviewReader(store: trail.store))
        var filter = ReviewFilter()
        filter.since = ReviewTrail.base
        filter.until = ReviewTrail.at(hours: 5)
        let views = [
            try pages.overview(filter), try pages.coverage(filter, status: nil), try pages.pods(filter),
            try pages.denials(filter), try pages.timeline(podUID: "u-x", podName: nil, filter), pages.trace("jti-hostile"),
            pages.trace(Self.hostile),
        ]
        let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39; onmouseover=x &amp;lt;b&amp;gt;"
        for html in views {
            #expect(!html.contains("<script"))
            #expect(!html.contains("\"' onmouseover"))
            #expect(html.contains(escaped))
        }
    }

    @Test("the Content-Security-Policy allows the one stylesheet by its hash and nothing else")
    func contentSecurityPolicy() throws {
        let trail = try ReviewTrail()
        let pages = try ReviewPages(reader: ReviewReader(store: trail.store))
        let csp = pages.contentSecurityPolicy
        #expect(csp.hasPrefix("default-src 'none'; style-src 'sha256-"))
        #expect(csp.contains("frame-ancestors 'none'"))
        #expect(csp.contains("form-action 'self'"))
        #expect(!csp.contains("unsafe"))
        // The hash covers the style element's text as rendered: escaping must not change it.
        let html = pages.trace(nil)
        #expect(html.contains("<style>" + ReviewTemplates.style + "</style>"))
        #expect(!html.contains("style=\""))
    }

    @Test("lists page by 100 rows, and the page links to its neighbours with the filters kept")
    func paging() throws {
        let trail = try ReviewTrail()
        try trail.store.insert((0..<250).map { index in
            trail.exchange(.granted, hours: Double(index) / 100, pod: "pod-\(index)", uid: "uid-\(index)", namespace: "paged")
        })
        let pages = try ReviewPages(reader: ReviewReader(store: trail.store))
        var filter = ReviewFilter(query: "namespace=paged&since=2026-11-30")
        let first = try pages.reader.pods(filter)
        #expect(first.rows.count == 100)
        #expect(first.hasNext)
        #expect(first.rows.first?.name == "pod-249", "the most recently active first")
        filter.page = 2
        let last = try pages.reader.pods(filter)
        #expect(last.rows.count == 50)
        #expect(!last.hasNext)
        #expect(last.rows.last?.name == "pod-0")
        filter.page = 1
        let html = try pages.pods(filter)
        #expect(html.contains("href=\"/pods?namespace=paged&amp;since=2026-11-30\""))  // previous: page 0
        #expect(html.contains("href=\"/pods?namespace=paged&amp;since=2026-11-30&amp;page=2\""))
        #expect(html.contains("href=\"/pods.csv?namespace=paged&amp;since=2026-11-30&amp;page=1\"") == false)
        let csv = try pages.podsCSV(filter)
        #expect(csv.split(separator: "\r\n").count == 101, "a header and one page of rows")
    }

    @Test("CSV quotes every field, doubles quotes and disarms formulas")
    func csv() {
        let text = ReviewCSV.render(header: ["a", "b"], rows: [["=HYPERLINK(\"x\")", "line\nbreak, \"q\""], ["-1", "@SUM"]])
        #expect(text == "\"a\",\"b\"\r\n\"'=HYPERLINK(\"\"x\"\")\",\"line\nbreak, \"\"q\"\"\"\r\n\"'-1\",\"'@SUM\"\r\n")
    }

    @Test("the filter reads the form's query string and writes it back for links")
    func filterRoundTrip() {
        let filter = ReviewFilter(query: "cluster=prod&namespace=a%20b&sa=x%2By&since=2026-12-01&page=2&since=ignored")
        #expect(filter.cluster == "prod")
        #expect(filter.namespace == "a b")
        #expect(filter.serviceAccount == "x+y")
        #expect(filter.since == ReviewTrail.base)
        #expect(filter.page == 2)
        #expect(filter.queryString(["page": nil]) == "cluster=prod&namespace=a%20b&sa=x%2By&since=2026-12-01")
        #expect(ReviewFilter(query: "since=yesterday").problems.count == 1)
    }
}
