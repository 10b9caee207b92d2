// SPDX-License-Identifier: Apache-2.0

/// The review page's Mustache templates. Only `{{name}}` is used, which HTML-escapes `< > & " '`
/// (in text and in attribute values alike); `{{{…}}}` and `{{& …}}`, which would not escape, are
/// never used — ReviewTemplateTests checks that. The stylesheet is the only inline style, allowed
/// by its hash in the Content-Security-Policy; there is no script at all.
enum ReviewTemplates {
    static let style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
        header{background:#263238;color:#fff;padding:8px 16px;display:flex;gap:18px;align-items:baseline}
        header a{color:#cfd8dc;text-decoration:none}header a.on{color:#fff;font-weight:bold}
        header b{font-size:16px;margin-right:12px}main{padding:12px 16px}
        form.filter{display:flex;gap:8px;flex-wrap:wrap;align-items:end;margin-bottom:12px}
        form.filter label{display:flex;flex-direction:column;font-size:12px;color:#555}
        table{border-collapse:collapse;background:#fff;margin:8px 0 16px}
        th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top;font-size:13px}
        th{background:#eceff1}td.n{text-align:right}.mono{font-family:ui-monospace,monospace;font-size:12px}
        .projected{color:#2e7d32}.skipped{color:#ef6c00}.denied{color:#c62828}.problem{color:#c62828}
        svg{background:#fff;border:1px solid #ddd}svg.swatch{border:0;margin-left:10px}.pager a{margin-right:12px}.note{color:#666}
        """

    static let layout = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>TokenGate review: {{title}}</title>
        <meta name="referrer" content="no-referrer"><style>{{style}}</style></head>
        <body><header><b>TokenGate review</b>{{#nav}}<a href="{{href}}"{{#on}} class="on"{{/on}}>{{label}}</a>{{/nav}}
        <span class="note">read-only · {{store}}</span></header><main>
        <h1>{{title}}</h1>
        {{#filterForm}}<form class="filter" method="get" action="{{path}}">
        <label>cluster<input name="cluster" value="{{cluster}}"></label>
        <label>namespace<input name="namespace" value="{{namespace}}"></label>
        <label>ServiceAccount<input name="sa" value="{{sa}}"></label>
        <label>since<input name="since" value="{{since}}" placeholder="7d, 2026-12-01"></label>
        <label>until<input name="until" value="{{until}}" placeholder="now"></label>
        {{#extra}}<input type="hidden" name="{{name}}" value="{{value}}">{{/extra}}
        <button type="submit">Filter</button>{{#csv}} <a id="csv" href="{{csv}}">CSV</a>{{/csv}}</form>{{/filterForm}}
        {{#problems}}<p class="problem">{{.}}</p>{{/problems}}
        {{> content}}
        {{#pager}}<p class="pager">{{#previous}}<a id="previous" href="{{previous}}">← previous</a>{{/previous}}{{#next}}<a id="next" href="{{next}}">next →</a>{{/next}}</p>{{/pager}}
        </main></body></html>
        """

    static let chart = """
        <h2>{{title}} <small class="note">({{total}} in range)</small></h2>
        <svg id="{{id}}" xmlns="http://www.w3.org/2000/svg" width="{{width}}" height="{{height}}" role="img" aria-label="{{title}}">
        <line x1="{{axisX}}" y1="{{axisY}}" x2="{{axisRight}}" y2="{{axisY}}" stroke="#999"/>
        {{#bars}}<rect x="{{x}}" y="{{y}}" width="{{w}}" height="{{h}}" fill="{{color}}"><title>{{title}}</title></rect>{{/bars}}
        {{#ticks}}<text x="{{x}}" y="{{y}}" font-size="10" fill="#555">{{label}}</text>{{/ticks}}
        {{#yTicks}}<text x="{{x}}" y="{{y}}" font-size="10" fill="#555" text-anchor="end">{{label}}</text>{{/yTicks}}
        </svg>
        <p class="legend" id="{{id}}-legend">{{#legend}} <svg width="10" height="10" class="swatch"><rect width="10" height="10" fill="{{color}}"/></svg> {{name}} ({{total}}){{/legend}}</p>
        """

    static let overview = """
        <p class="note">From {{from}} to {{to}}, one bar per {{bucket}}.</p>
        {{#exchangeChart}}{{> chart}}{{/exchangeChart}}
        {{#admissionChart}}{{> chart}}{{/admissionChart}}
        <h2>Signing keys</h2>
        {{#keysNote}}<p class="note">{{keysNote}}</p>{{/keysNote}}
        <p class="note">The keys the published-keys ledger holds now: first published, last confirmed by a replica
        that signs with it, and published until its last token has expired.</p>
        <table id="keys"><tr><th>kid</th><th>issuer</th><th>first published</th><th>last confirmed</th><th>published until</th><th>signing now</th></tr>
        {{#keys}}<tr><td class="mono">{{kid}}</td><td>{{issuer}}</td><td>{{first}}</td><td>{{refreshed}}</td><td>{{until}}</td><td>{{current}}</td></tr>{{/keys}}
        </table>
        <h2>Key rotations</h2>
        <p class="note">Every new signing key the key history holds, newest first; it keeps each kid after its ledger row is gone.</p>
        <table id="rotations"><tr><th>time</th><th>issuer</th><th>old kid</th><th>new kid</th></tr>
        {{#rotations}}<tr><td>{{time}}</td><td>{{issuer}}</td><td class="mono">{{from}}</td><td class="mono">{{to}}</td></tr>{{/rotations}}
        </table>
        {{^rotations}}<p class="note" id="no-rotations">No rotation recorded.</p>{{/rotations}}
        <h2>Clusters</h2>
        {{#checksNote}}<p class="note">{{checksNote}}</p>{{/checksNote}}
        <p class="note">The last JWKS fetch and TokenReview each cluster answered, as the broker stored them (at most every
        few seconds), whatever the range; a failure newer than the last success is marked. Exchanges are over the range.</p>
        <table id="clusters"><tr><th>cluster</th><th>last JWKS fetch</th><th>last TokenReview</th><th>last failures</th>
        <th>last granted exchange</th><th>last refused or failed</th><th>refused or failed</th></tr>
        {{#clusters}}<tr><td>{{name}}</td><td class="jwks">{{jwks}}</td><td class="token-review">{{tokenReview}}</td>
        <td class="failures">{{#failures}}<div{{#current}} class="problem"{{/current}}>{{kind}} {{time}}: {{reason}}</div>{{/failures}}</td>
        <td>{{lastGranted}}</td><td>{{lastRefused}}</td><td class="n">{{refused}}</td></tr>{{/clusters}}
        </table>
        """

    static let coverage = """
        <p>Show: {{#statuses}}<a href="{{href}}"{{#on}} class="on"{{/on}}>{{label}}</a> {{/statuses}}</p>
        {{#namespaces}}<h2>Namespace {{name}}</h2>
        <table class="coverage"><tr><th>kind</th><th>name</th><th>cluster</th><th>status</th><th>why</th><th>last decision</th><th>decisions</th></tr>
        {{#rows}}<tr><td>{{kind}}</td><td>{{name}}</td><td>{{cluster}}</td><td class="{{status}}">{{status}}</td><td>{{reason}}</td><td>{{lastSeen}}</td><td class="n">{{decisions}}</td></tr>{{/rows}}
        </table>{{/namespaces}}
        {{^namespaces}}<p class="note">No admission decisions match.</p>{{/namespaces}}
        """

    static let pods = """
        <table id="pods"><tr><th>pod</th><th>namespace</th><th>uid</th><th>node</th><th>ServiceAccount</th><th>cluster</th>
        <th>tokens issued</th><th>audiences</th><th>last issued</th><th>denied</th></tr>
        {{#rows}}<tr><td><a href="{{timeline}}">{{name}}</a></td><td>{{namespace}}</td><td class="mono">{{uid}}</td><td>{{node}}</td>
        <td>{{serviceAccount}}</td><td>{{cluster}}</td><td class="n">{{issued}}</td><td>{{audiences}}</td><td>{{lastIssued}}</td>
        <td class="n">{{denied}}</td></tr>{{/rows}}
        </table>
        {{^rows}}<p class="note">No token exchanges match.</p>{{/rows}}
        """

    static let events = """
        <table class="events"><tr><th>time</th><th>kind</th><th>decision</th><th>cluster</th><th>namespace</th><th>pod / object</th>
        <th>ServiceAccount</th><th>audience</th><th>issued jti</th><th>source jti</th><th>reason / detail</th></tr>
        {{#events}}<tr><td>{{time}}</td><td>{{kind}}</td><td class="{{decisionClass}}">{{decision}}</td><td>{{cluster}}</td>
        <td>{{namespace}}</td><td>{{object}}</td><td>{{serviceAccount}}</td><td>{{audience}}</td>
        <td class="mono">{{#issuedLink}}<a href="{{issuedLink}}">{{issuedJTI}}</a>{{/issuedLink}}</td><td class="mono">{{subjectJTI}}</td><td>{{reason}}</td></tr>{{/events}}
        </table>
        {{^events}}<p class="note">None.</p>{{/events}}
        """

    static let timeline = """
        <p>Pod <b>{{pod}}</b>{{#uid}} (uid <span class="mono">{{uid}}</span>){{/uid}}: its admission and every token exchange, newest first.</p>
        {{> events}}
        """

    static let denials = """
        <h2>By reason and ServiceAccount</h2>
        <table id="denial-groups"><tr><th>kind</th><th>reason</th><th>namespace</th><th>ServiceAccount</th><th>count</th><th>last</th></tr>
        {{#groups}}<tr><td>{{kind}}</td><td>{{reason}}</td><td>{{namespace}}</td><td>{{serviceAccount}}</td><td class="n">{{count}}</td><td>{{last}}</td></tr>{{/groups}}
        </table>
        <h2>Newest first, with detail</h2>
        {{> events}}
        """

    static let trace = """
        <form method="get" action="/trace"><label>Token or jti<br><textarea name="q" rows="4" cols="100">{{query}}</textarea></label>
        <br><button type="submit">Trace</button></form>
        {{#error}}<p class="problem">{{error}}</p>{{/error}}
        {{#result}}
        {{#token}}<h2>Token (decoded, signature NOT verified)</h2><table id="token">{{#claims}}<tr><th>{{name}}</th><td class="mono">{{value}}</td></tr>{{/claims}}</table>{{/token}}
        {{#issuance}}<h2>Issued by TokenGate</h2><table id="issuance">{{#fields}}<tr><th>{{name}}</th><td>{{value}}</td></tr>{{/fields}}</table>
        {{#timeline}}<p><a href="{{timeline}}">The pod's timeline</a></p>{{/timeline}}{{/issuance}}
        {{^issuance}}<p id="no-issuance">No TokenGate issuance record has jti <span class="mono">{{jti}}</span>: the token was not issued by the TokenGate writing to this trail, or its record was pruned by retention.</p>{{/issuance}}
        <h2>Other exchanges with the same source token ({{siblingCount}})</h2>
        <div id="siblings">{{#siblings}}{{> events}}{{/siblings}}</div>
        {{#hasFromThis}}<h2>Tokens exchanged with this token as the source ({{fromThisCount}})</h2>
        <div id="from-this">{{#fromThis}}{{> events}}{{/fromThis}}</div>{{/hasFromThis}}
        {{/result}}
        """

    static let all: [String: String] = [
        "layout": layout, "chart": chart, "overview": overview, "coverage": coverage, "pods": pods,
        "events": events, "timeline": timeline, "denials": denials, "trace": trace,
    ]
}
