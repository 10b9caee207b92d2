// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import TokenGateWorkflow

/// `#[VAR]` / `#[VAR:default]`: malformed ones stop OpenUnison's loader; well-formed ones are read
/// the way OpenUnison reads them (substituted before the YAML is parsed).
@Suite struct PlaceholderRuleTests {
    static let cases: [RuleCase] = [
        RuleCase("unterminated placeholder", "- taskType: callWorkflow\n  name: x\n  #[UNCLOSED\n", [
            "error: spec.tasks (line 3, column 3 of spec.tasks): the placeholder \"#[\" is not closed by \"]\" on the "
                + "same line (hint: write #[NAME] or #[NAME:default]; OpenUnison would replace everything up to the "
                + "next \"]\" anywhere in the object, or fail to load the workflow if there is none)"
        ]),
        RuleCase("empty names", "- taskType: callWorkflow\n  name: x-#[]\n- taskType: callWorkflow\n  name: #[:x]", [
            "error: spec.tasks (line 2, column 11 of spec.tasks): the placeholder \"#[]\" has an empty variable name "
                + "(hint: write #[NAME] or #[NAME:default]; OpenUnison fails to load a workflow with an empty name)",
            "error: spec.tasks (line 4, column 9 of spec.tasks): the placeholder \"#[:x]\" has an empty variable name "
                + "(hint: write #[NAME] or #[NAME:default]; OpenUnison fails to load a workflow with an empty name)",
        ]),
        RuleCase("odd variable name", "- taskType: callWorkflow\n  name: \"#[a b]\"", [
            "warning: spec.tasks (line 2, column 10 of spec.tasks): the placeholder \"#[a b]\" has a variable name "
                + "with spaces or symbols (hint: OpenUnison looks the name up literally, so it is probably never set; "
                + "use letters, digits and _ only)"
        ]),
        // Without substitution `sync: #[SYNC:true]` would be a comment and sync would be missing.
        RuleCase("a default is read as the value", "- taskType: provision\n  target: #[TARGET]\n  sync: #[SYNC:true]", []),
        RuleCase("#[all] and #[entry] stay literal", "- taskType: callWorkflow\n  name: \"#[all] #[entry]\"", []),
        RuleCase("a value that only the environment decides is a warning, not an error",
                 "- taskType: provision\n  target: t\n  sync: #[SYNC]\n- taskType: provision\n  target: t\n  sync: #[SYNC:yes please]", [
            "warning: spec.tasks[0].sync (line 3, column 9 of spec.tasks): expected a boolean, found the string "
                + "\"SYNC\", but the value comes from #[SYNC] and is only known where OpenUnison runs (hint: write true "
                + "or false)",
            "warning: spec.tasks[1].sync (line 6, column 9 of spec.tasks): expected a boolean, found the string "
                + "\"yes please\", but the value comes from #[SYNC:yes please] and is only known where OpenUnison runs "
                + "(hint: write true or false)",
        ]),
    ]

    @Test(arguments: cases)
    func rule(_ rule: RuleCase) {
        #expect(lines(rule.tasks) == rule.expected)
    }

    @Test func placeholdersInOtherSpecFieldsAreChecked() {
        let result = report(
            "- taskType: delete\n  target: x",
            spec: [
                SpecEntry(key: "label", value: .string("Delete #[CLUSTER")),
                SpecEntry(key: "dynamicConfiguration", value: .map([
                    "params": .list([.map(["name": .string("a"), "value": .string("#[]")])])
                ])),
            ])
        #expect(lines(result) == [
            "error: spec.label: the placeholder \"#[\" is not closed by \"]\" on the same line (hint: write #[NAME] or "
                + "#[NAME:default]; OpenUnison would replace everything up to the next \"]\" anywhere in the object, or "
                + "fail to load the workflow if there is none)",
            "error: spec.dynamicConfiguration.params[0].value: the placeholder \"#[]\" has an empty variable name "
                + "(hint: write #[NAME] or #[NAME:default]; OpenUnison fails to load a workflow with an empty name)",
        ])
    }

    @Test func substitutionKeepsEveryColumn() {
        let text = "a: #[NAME:default]\nb: #[X]\nc: #[all]"
        let scan = EnvironmentPlaceholders.scan(text)
        let substituted = EnvironmentPlaceholders.substitute(text, scan.occurrences)
        #expect(substituted == "a: default        \nb: X   \nc: #[all]")
        #expect(scan.occurrences.map(\.start) == [
            SourcePosition(line: 1, column: 4), SourcePosition(line: 2, column: 4), SourcePosition(line: 3, column: 4),
        ])
    }
}
