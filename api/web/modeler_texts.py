"""What the modeler's bundle is told: its own English words in the page's language (palette, context pad,
properties panel), the Dueflow group's labels and the stages to choose from. Catalogued like every page text."""
from __future__ import annotations

from typing import Any

from api.web import texts
from api.web.i18n import N_, current, gettext

# bpmn-js and the properties panel call translate() with these English texts; the rest stays as written.
WORDS = [
    # palette and context pad
    N_("Activate hand tool"), N_("Activate lasso tool"), N_("Activate create/remove space tool"),
    N_("Activate global connect tool"), N_("Create start event"), N_("Create intermediate/boundary event"),
    N_("Create end event"), N_("Create gateway"), N_("Create task"), N_("Create data object reference"),
    N_("Create data store reference"), N_("Create expanded sub-process"), N_("Create pool/participant"),
    N_("Create group"), N_("Append end event"), N_("Append gateway"), N_("Append task"),
    N_("Append intermediate/boundary event"), N_("Append timer intermediate catch event"),
    N_("Append message intermediate catch event"), N_("Append receive task"), N_("Change element"),
    N_("Delete"), N_("Connect to other element"), N_("Connect using association"), N_("Add text annotation"),
    N_("Add lane above"), N_("Add lane below"), N_("Divide into two lanes"), N_("Divide into three lanes"),
    # properties panel: groups and the entries Dueflow procedures use
    N_("General"), N_("Name"), N_("ID"), N_("Documentation"), N_("Element documentation"),
    N_("Process documentation"), N_("Process name"), N_("Process ID"), N_("Participant Name"),
    N_("Executable"), N_("Forms"), N_("Form fields"), N_("Form"), N_("Form key"), N_("Type"), N_("Label"),
    N_("Default value"), N_("Values"), N_("Value"), N_("Constraints"), N_("Properties"), N_("Config"),
    N_("Extension properties"), N_("Condition"), N_("Condition type"), N_("Condition Expression"),
    N_("Expression"), N_("Script"), N_("Script type"), N_("Format"), N_("Timer"), N_("Date"), N_("Duration"),
    N_("Cycle"), N_("Message"), N_("Signal"), N_("Error"), N_("Implementation"), N_("Implementation type"),
    N_("Inputs"), N_("Outputs"), N_("Assignment"), N_("Assignee"), N_("Candidate groups"),
    N_("Candidate users"), N_("Due date"), N_("Follow up date"), N_("Priority"), N_("Multi-instance"),
    N_("Loop cardinality"), N_("Completion condition"), N_("Collection"), N_("Element variable"),
    N_("Asynchronous continuations"), N_("Execution listeners"), N_("Called element"), N_("Result variable"),
    N_("Decision reference"), N_("Key"), N_("Source"), N_("Target"), N_("Create"), N_("Create new ..."),
    N_("Select an element to edit its properties."),
    N_("Multiple elements are selected. Select a single element to edit its properties."),
    N_("ID must be unique."), N_("ID must not be empty."), N_("ID must not contain spaces."),
    N_("ID must be a valid QName."), N_("A time duration defined as ISO 8601 durations format."),
    N_("User assignment"), N_("Task listeners"),
    # the panel's header names the element's kind
    N_("Process"), N_("Participant"), N_("Lane"), N_("Sequence Flow"), N_("Start Event"), N_("End Event"),
    N_("User Task"), N_("Task"), N_("Service Task"), N_("Script Task"), N_("Business Rule Task"),
    N_("Call Activity"), N_("Sub Process"), N_("Exclusive Gateway"), N_("Parallel Gateway"),
    N_("Event Based Gateway"), N_("Timer Intermediate Catch Event"), N_("Message Intermediate Catch Event"),
    N_("Timer Boundary Event"), N_("Message Boundary Event"),
]

GROUP = {
    "group": N_("Dueflow"), "name_zh": N_("Chinese name (name_zh)"), "name_en": N_("English name"),
    "stage": N_("Stage"), "none": N_("(none)"), "document": N_("Documents issued (document)"),
    "document_hint": N_("Template names, comma separated"), "outcome": N_("Outcome"),
    "categories": N_("Case categories"),
}


def modeler_config() -> dict[str, Any]:
    """The `dueflow` configuration of the bundle for the current page language."""
    return {"language": current(),
            "translations": {word: gettext(word) for word in WORDS},
            "texts": {key: gettext(text) for key, text in GROUP.items()},
            "stages": [{"value": code, "label": f"{gettext(label)} ({code})"}
                       for code, label in texts.STAGES.items()]}
