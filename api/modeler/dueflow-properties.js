// The "Dueflow" group of the properties panel: the tags Dueflow reads (docs/stages.md, docs/documents.md,
// docs/translations.md) as named fields, so an admin need not type them as raw extension properties.
import { h } from '@bpmn-io/properties-panel/preact';
import { SelectEntry, TextFieldEntry, isSelectEntryEdited, isTextFieldEntryEdited } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { readProperty, writeProperty, businessObjectOf } from './extension';
import { SESSION_NAME, isChinese } from './language-names';

var UNSTAGED = /Process|Collaboration|Participant|Lane|SequenceFlow|Association|TextAnnotation|DataObject|DataStore/;
var NAMEABLE = /Process|Participant|Lane|SequenceFlow|Event|Task|Gateway|SubProcess|CallActivity/;

function PropertyEntry(props) {
  var element = props.element, name = props.name;
  var services = { moddle: useService('moddle'), commandStack: useService('commandStack') };
  var debounce = useService('debounceInput');
  var common = {
    element: element, id: props.id, label: props.label, description: props.description,
    getValue: function () { return readProperty(element, name); },
    setValue: function (value) { writeProperty(element, name, (value || '').trim(), services); }
  };
  if (props.options) {
    return h(SelectEntry, Object.assign(common, { getOptions: function () { return props.options; } }));
  }
  return h(TextFieldEntry, Object.assign(common, { debounce: debounce }));
}

function entry(element, id, name, extra) {
  return Object.assign({ id: id, element: element, name: name, component: PropertyEntry,
                         isEdited: extra.options ? isSelectEntryEdited : isTextFieldEntryEdited }, extra);
}

function entries(element, config) {
  var bo = businessObjectOf(element), type = bo.$type || '', texts = config.texts || {}, found = [];
  var text = function (key, fallback) { return texts[key] || fallback; };
  if (NAMEABLE.test(type)) {
    // the name in the other language: the diagram's names are in the admin's language
    found.push(isChinese(config)
      ? entry(element, 'dueflow-name-en', SESSION_NAME, { label: text('name_en', 'English name') })
      : entry(element, 'dueflow-name-zh', 'name_zh', { label: text('name_zh', 'Chinese name (name_zh)') }));
  }
  if (!UNSTAGED.test(type)) {
    var stages = [{ value: '', label: text('none', '(none)') }].concat(config.stages || []);
    found.push(entry(element, 'dueflow-stage', 'stage', { label: text('stage', 'Stage'), options: stages }));
  }
  if (type === 'bpmn:UserTask') {
    found.push(entry(element, 'dueflow-document', 'document',
                     { label: text('document', 'Documents issued (document)'),
                       description: text('document_hint', 'Template names, comma separated') }));
  }
  if (type === 'bpmn:EndEvent') {
    found.push(entry(element, 'dueflow-outcome', 'outcome', { label: text('outcome', 'Outcome') }));
  }
  if (type === 'bpmn:Process') {
    found.push(entry(element, 'dueflow-categories', 'categories', { label: text('categories', 'Case categories') }));
  }
  return found;
}

export function DueflowPropertiesProvider(propertiesPanel, config) {
  this.getGroups = function (element) {
    return function (groups) {
      var found = entries(element, config || {});
      if (found.length) {
        var group = { id: 'dueflow', label: (config.texts || {}).group || 'Dueflow', entries: found, shouldOpen: true };
        groups.splice(Math.min(1, groups.length), 0, group);  // right after "General"
      }
      return groups;
    };
  };
  propertiesPanel.registerProvider(500, this);
}

DueflowPropertiesProvider.$inject = ['propertiesPanel', 'config.dueflow'];

export default {
  __init__: ['dueflowPropertiesProvider'],
  dueflowPropertiesProvider: ['type', DueflowPropertiesProvider]
};
