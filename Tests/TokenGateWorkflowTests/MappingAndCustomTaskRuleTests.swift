// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import TokenGateWorkflow

/// Mapping entries, customTask params (and the custom task classes' required params), provision
/// attributes.
@Suite struct MappingAndCustomTaskRuleTests {
    static let cases: [RuleCase] = [
        RuleCase("mapping without strict fails at initialisation",
                 "- taskType: mapping\n  map:\n  - targetAttributeName: a\n    sourceType: user\n    targetAttributeSource: b", [
            "error: spec.tasks[0].strict (line 1, column 3 of spec.tasks): a mapping task needs strict (a boolean) "
                + "(hint: OpenUnison's parser lets it out, but initialising the workflow then fails "
                + "(NullPointerException); add strict: true or strict: false)"
        ]),
        RuleCase("mapping entries", """
            - taskType: mapping
              strict: true
              map:
              - targetAttributeName: a
                sourceType: attribute
                targetAttributeSource: b
                targetType: string
              - targetAttributeName: c
                sourceType: composite
                targetAttributeSource: ${givenName} ${sn
              - targetAttributeName: d
                sourceType: composite
                targetAttributeSource: x${}y
              - sourceType: static
              - not a map
              onFailure:
              - taskType: callWorkflow
                name: x
            """, [
            "warning: spec.tasks[0].map[0].sourceType (line 5, column 17 of spec.tasks): \"attribute\" is not a "
                + "sourceType OpenUnison knows, so it silently skips this mapping; known: static, user, composite and custom",
            "error: spec.tasks[0].map[0].targetType (line 7, column 5 of spec.tasks): \"targetType\" is not a field of a "
                + "workflow mapping; allowed: targetAttributeName, sourceType and targetAttributeSource (hint: "
                + "targetType belongs to a Target's targetAttributes; remove it here)",
            "error: spec.tasks[0].map[1].targetAttributeSource (line 10, column 28 of spec.tasks): the composite source "
                + "\"${givenName} ${sn\" has a \"${\" without \"}\" (hint: write ${attributeName})",
            "error: spec.tasks[0].map[2].targetAttributeSource (line 13, column 28 of spec.tasks): the composite source "
                + "\"x${}y\" has an empty \"${}\" (hint: write ${attributeName})",
            "error: spec.tasks[0].map[3].targetAttributeName (line 14, column 5 of spec.tasks): a mapping needs "
                + "targetAttributeName (a string)",
            "error: spec.tasks[0].map[3].targetAttributeSource (line 14, column 5 of spec.tasks): a mapping needs "
                + "targetAttributeSource (a string)",
            "error: spec.tasks[0].map[4] (line 15, column 5 of spec.tasks): each mapping must be a map, found the "
                + "string \"not a map\"",
            "warning: spec.tasks[0].onFailure (line 16, column 3 of spec.tasks): OpenUnison never runs onFailure of a "
                + "mapping task (hint: a mapping does not fail; move these tasks elsewhere)",
        ]),
        RuleCase("mapping strict as a string and map as a map", "- taskType: mapping\n  strict: \"true\"\n  map: {a: b}", [
            "error: spec.tasks[0].strict (line 2, column 11 of spec.tasks): expected a boolean, found the string "
                + "\"true\" (hint: write true without quotes)",
            "error: spec.tasks[0].map (line 3, column 8 of spec.tasks): map must be a list of {targetAttributeName, "
                + "sourceType, targetAttributeSource}, found a map",
        ]),
        RuleCase("mapping without map", "- taskType: mapping\n  strict: false", [
            "error: spec.tasks[0].map (line 1, column 3 of spec.tasks): a mapping task needs map (a list of "
                + "{targetAttributeName, sourceType, targetAttributeSource})"
        ]),
        RuleCase("customTask params as a Target-style list",
                 "- taskType: customTask\n  className: com.example.Task\n  params:\n  - name: a\n    value: b", [
            "error: spec.tasks[0].params (line 4, column 3 of spec.tasks): params must be a map of name: value, found a "
                + "list (hint: in a customTask, params is a map (name: value), not a list of {name, value})"
        ]),
        RuleCase("customTask params with no value", "- taskType: customTask\n  className: com.example.Task\n  params:", [
            "error: spec.tasks[0].params (line 3, column 10 of spec.tasks): params must be a map of name: value, found "
                + "no value (null) (hint: remove params, or give it name: value lines)"
        ]),
        RuleCase("customTask param value types", """
            - taskType: customTask
              className: com.example.Task
              params:
                n: 5
                f: 1.5
                z:
                m: {a: b}
                l: [a, true, 3]
                b: true
                s: on
            """, [
            "error: spec.tasks[0].params.n (line 4, column 8 of spec.tasks): a param value must be a string, a boolean "
                + "or a list of strings, found the number 5 (hint: put the number in quotes: \"5\")",
            "error: spec.tasks[0].params.f (line 5, column 8 of spec.tasks): a param value must be a string, a boolean "
                + "or a list of strings, found the number 1.5 (hint: put the number in quotes: \"1.5\")",
            "error: spec.tasks[0].params.z (line 6, column 7 of spec.tasks): a param value must be a string, a boolean "
                + "or a list of strings, found no value (null) (hint: give it a value; write \"\" for an empty string)",
            "error: spec.tasks[0].params.m (line 7, column 8 of spec.tasks): a param value must be a string, a boolean "
                + "or a list of strings, found a map (hint: to pass YAML or JSON text (a template), write it as a block "
                + "string: m: |)",
            "error: spec.tasks[0].params.l[1] (line 8, column 12 of spec.tasks): each value of a list param must be a "
                + "string, found the boolean true (hint: put it in quotes: \"true\")",
            "error: spec.tasks[0].params.l[2] (line 8, column 18 of spec.tasks): each value of a list param must be a "
                + "string, found the number 3 (hint: put it in quotes: \"3\")",
            "warning: spec.tasks[0].params.s (line 10, column 8 of spec.tasks): on is a YAML boolean, so OpenUnison "
                + "stores the string \"true\" (hint: write \"on\" in quotes if you meant the word)",
        ]),
        RuleCase("PushToGit without its params", """
            - taskType: customTask
              className: com.tremolosecurity.provisioning.tasks.PushToGit
              params:
                secretName: s
                namespace: openunison
                keyName: []
            """, [
            "error: spec.tasks[0].params.nameSpace (line 1, column 3 of spec.tasks): PushToGit needs the param "
                + "nameSpace (hint: the param is spelled \"nameSpace\", not \"namespace\")",
            "error: spec.tasks[0].params.target (line 1, column 3 of spec.tasks): PushToGit needs the param target "
                + "(hint: without it OpenUnison cannot initialise the workflow)",
            "error: spec.tasks[0].params.keyName (line 1, column 3 of spec.tasks): PushToGit needs a value for the "
                + "param keyName (hint: without it OpenUnison cannot initialise the workflow)",
            "error: spec.tasks[0].params.gitRepo (line 1, column 3 of spec.tasks): PushToGit needs the param gitRepo "
                + "(hint: without it OpenUnison cannot initialise the workflow)",
            "error: spec.tasks[0].params.requestObject (line 1, column 3 of spec.tasks): PushToGit needs the param "
                + "requestObject (hint: without it OpenUnison cannot initialise the workflow)",
            "error: spec.tasks[0].params.commitMsg (line 1, column 3 of spec.tasks): PushToGit needs the param "
                + "commitMsg (hint: without it OpenUnison cannot initialise the workflow)",
        ]),
        RuleCase("CreateK8sObject without a template", """
            - taskType: customTask
              className: com.tremolosecurity.provisioning.tasks.CreateK8sObject
              params:
                targetName: k8s
            """, [
            "error: spec.tasks[0].params.template (line 1, column 3 of spec.tasks): CreateK8sObject needs the param "
                + "template (hint: without it OpenUnison cannot initialise the workflow)"
        ]),
        RuleCase("provision attributes not a list", "- taskType: provision\n  target: t\n  sync: true\n  attributes: uid", [
            "error: spec.tasks[0].attributes (line 4, column 15 of spec.tasks): attributes must be a list of attribute "
                + "names, found the string \"uid\""
        ]),
        RuleCase("provision attributes that are not strings",
                 "- taskType: provision\n  target: t\n  sync: true\n  attributes: [uid, 5, yes]", [
            "error: spec.tasks[0].attributes[1] (line 4, column 21 of spec.tasks): each attribute must be a string, "
                + "found the number 5 (hint: put it in quotes: \"5\")",
            "error: spec.tasks[0].attributes[2] (line 4, column 24 of spec.tasks): each attribute must be a string, "
                + "found the boolean yes (hint: put it in quotes: \"yes\")",
        ]),
        RuleCase("provision attributes with no value are ignored",
                 "- taskType: provision\n  target: t\n  sync: true\n  attributes:", []),
    ]

    @Test(arguments: cases)
    func rule(_ rule: RuleCase) {
        #expect(lines(rule.tasks) == rule.expected)
    }
}
