#!/usr/bin/env python3
"""Writes automation.asl.json: seven stages, each a Map over batches of item
IDs whose iterations run gate → reserve → operation → settle (the same credit
steps as manual operations). The stages differ only in their operation, so
the file is generated; edit this script, run it, and commit both."""
import json, os

OPS = {1: "ClusterKeywordsFunctionArn", 2: "GenerateIdeasFunctionArn", 3: "CreateTasksFunctionArn",
       4: "GenerateContentFunctionArn", 5: "GenerateImagePromptsFunctionArn", 6: "GenerateImagesFunctionArn",
       7: "ReviewContentFunctionArn"}
FREE = {3, 7}  # no AI, no credits
INFRA = [{"ErrorEquals": ["Internal", "Item.Conflict", "Step.InProgress", "States.Timeout"],
          "IntervalSeconds": 1, "MaxAttempts": 4, "BackoffRate": 2.0, "MaxDelaySeconds": 20, "JitterStrategy": "FULL"}]
PROVIDER = [
    {"ErrorEquals": ["Provider.RateLimited"], "IntervalSeconds": 5, "MaxAttempts": 5, "BackoffRate": 2.0, "MaxDelaySeconds": 60, "JitterStrategy": "FULL"},
    {"ErrorEquals": ["Provider.Malformed"], "IntervalSeconds": 2, "MaxAttempts": 1, "BackoffRate": 2.0, "JitterStrategy": "FULL"},
    {"ErrorEquals": ["Provider.Transient", "Step.InProgress", "Item.Conflict", "Internal", "States.Timeout"],
     "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2.0, "MaxDelaySeconds": 30, "JitterStrategy": "FULL"},
]

def task(arn, params, result_path, nxt=None, retry=INFRA, catch=None, timeout=60):
    s = {"Type": "Task", "Resource": "${%s}" % arn, "Parameters": params, "ResultPath": result_path,
         "TimeoutSeconds": timeout, "Retry": retry}
    if catch:
        s["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": catch}]
    if nxt:
        s["Next"] = nxt
    else:
        s["End"] = True
    return s

def batch(k):
    free = k in FREE
    states = {
        "Gate": dict(task("AutomationGateFunctionArn", {"run.$": "$.run", "stage.$": "$.stage", "index.$": "$.index", "ids.$": "$.ids"},
                          "$.gate", "GateChoice"), Comment="The batch boundary: pause and cancel take effect here."),
        "GateChoice": {"Type": "Choice", "Choices": [
            {"Variable": "$.gate.action", "StringEquals": "wait", "Next": "Park"},
            {"Variable": "$.gate.action", "StringEquals": "skip", "Next": "Skipped"}],
            "Default": "Run" if free else "Reserve"},
        "Park": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                 "Comment": "Paused: wait until resume (or cancel) sends the token back, then look again.",
                 "Parameters": {"FunctionName": "${AutomationParkFunctionArn}", "Payload": {"run.$": "$.run", "token.$": "$$.Task.Token"}},
                 "ResultPath": None, "TimeoutSeconds": 2592000, "Retry": INFRA, "Next": "Gate"},
        "Skipped": {"Type": "Succeed"},
        "Run": task(OPS[k], {"job.$": "$.gate.job"}, "$.result", "Settle", PROVIDER, "Release" if not free else "RecordFailure", 900),
        "Settle": task("CreditSettleFunctionArn",
                       {"job.$": "$.gate.job", "result.$": "$.result"} if free else {"job.$": "$.gate.job", "hold.$": "$.hold", "result.$": "$.result"},
                       "$.settled", "Pace", INFRA, "RecordFailure" if free else "Release"),
        "Pace": {"Type": "Wait", "SecondsPath": "$.gate.delay", "End": True},
        "RecordFailure": dict(task("CreditReleaseFunctionArn", {"job.$": "$.gate.job", "error.$": "$.error"}, None),
                              Comment="Record the batch's items failed; the run goes on."),
    }
    if not free:
        states["Reserve"] = task("CreditReserveFunctionArn", {"job.$": "$.gate.job"}, "$.hold", "Run", INFRA, "RecordFailure")
        states["Release"] = dict(task("CreditReleaseFunctionArn", {"job.$": "$.gate.job", "hold.$": "$.hold", "error.$": "$.error"}, None),
                                 Comment="Release the hold and record the batch's items failed; the run goes on.")
    # State names are unique across the whole machine, Map iterations included.
    prefix = f"S{k}"
    renamed = {}
    for name, st in states.items():
        for key in ("Next", "Default"):
            if key in st:
                st[key] = prefix + st[key]
        for c in st.get("Choices", []) + st.get("Catch", []):
            c["Next"] = prefix + c["Next"]
        renamed[prefix + name] = st
    return {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": prefix + "Gate", "States": renamed}

states = {}
for k in range(1, 8):
    nxt = f"Stage{k+1}" if k < 7 else "Completed"
    states[f"Stage{k}"] = task("AutomationPrepareFunctionArn", {"run.$": "$.run", "stage": k}, "$.prepared", f"Stage{k}HasWork", INFRA, "RunFailed")
    states[f"Stage{k}HasWork"] = {"Type": "Choice", "Choices": [{"Variable": "$.prepared.skip", "BooleanEquals": True, "Next": f"Stage{k}Done"}],
                                 "Default": f"Stage{k}Batches"}
    states[f"Stage{k}Batches"] = {"Type": "Map", "ItemsPath": "$.prepared.batches", "MaxConcurrencyPath": "$.concurrency",
                                  "ItemSelector": {"run.$": "$.run", "stage": k, "index.$": "$$.Map.Item.Index", "ids.$": "$$.Map.Item.Value"},
                                  "ItemProcessor": batch(k), "ResultPath": None,
                                  "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "RunFailed"}],
                                  "Next": f"Stage{k}Done"}
    states[f"Stage{k}Done"] = task("AutomationFinishStageFunctionArn", {"run.$": "$.run", "stage": k}, "$.stage_done", f"Stage{k}Next", INFRA, "RunFailed")
    states[f"Stage{k}Next"] = {"Type": "Choice", "Choices": [{"Variable": "$.stage_done.cancelled", "BooleanEquals": True, "Next": "Cancelled"}],
                               "Default": nxt}
states["Completed"] = task("AutomationFinishRunFunctionArn", {"run.$": "$.run", "status": "completed"}, "$.finished", "Done")
states["Cancelled"] = task("AutomationFinishRunFunctionArn", {"run.$": "$.run", "status": "cancelled"}, "$.finished", "Done")
states["Done"] = {"Type": "Succeed"}
states["RunFailed"] = task("AutomationFinishRunFunctionArn", {"run.$": "$.run", "status": "failed", "error.$": "$.error"}, "$.finished", "Failed")
states["Failed"] = {"Type": "Fail", "Error": "Automation.Failed", "Cause": "The run failed; its record says why."}

doc = {"Comment": "One automation run: stages 1-7 in order, each a Map over batches of item IDs. Generated by gen_automation.py.",
       "StartAt": "Stage1", "TimeoutSeconds": 2592000, "States": states}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "automation.asl.json")
with open(out, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
