// Names in the admin's language. The file keeps the agency's `name` with a `name_zh` translation beside it
// (docs/translations.md); a Chinese admin sees and renames the Chinese names, so while the diagram is open
// `name` holds the Chinese name and a `name_en` property the English one. Saving writes the file back in its
// own form (name = English, name_zh = Chinese) and restores the session's form right after.
import { propertiesOf } from './extension';

var NAMED = ['bpmn:FlowElement', 'bpmn:Process', 'bpmn:Participant', 'bpmn:Lane'];
export var SESSION_NAME = 'name_en';

export function isChinese(config) {
  return /^zh/.test((config && config.language) || '');
}

function named(object) {
  return object && object.$instanceOf && NAMED.some(function (type) { return object.$instanceOf(type); });
}

function each(definitions, visit) {
  var seen = new Set();
  (function walk(object) {
    if (!object || typeof object !== 'object' || seen.has(object)) { return; }
    seen.add(object);
    if (named(object)) { visit(object); }
    ['rootElements', 'flowElements', 'participants', 'laneSets', 'lanes', 'childLaneSet'].forEach(function (key) {
      var value = object[key];
      if (Array.isArray(value)) { value.forEach(walk); } else if (value) { walk(value); }
    });
  })(definitions);
}

export default function LanguageNames(eventBus, moddle, config) {
  if (!isChinese(config)) { return; }
  var hadChinese = new WeakSet(), madeHere = new WeakSet(), saved = null;

  function property(name, value, parent) {
    var created = moddle.create('camunda:Property', { name: name, value: value });
    created.$parent = parent;
    return created;
  }

  function box(bo) {
    var properties = propertiesOf(bo);
    if (properties) { return properties; }
    var extension = bo.extensionElements;
    if (!extension) {
      extension = moddle.create('bpmn:ExtensionElements', { values: [] });
      extension.$parent = bo;
      bo.extensionElements = extension;
      madeHere.add(bo);
    }
    properties = moddle.create('camunda:Properties', { values: [] });
    properties.$parent = extension;
    extension.values = (extension.values || []).concat([properties]);
    return properties;
  }

  // Before the diagram is drawn: name <- name_zh; the English name waits in name_en (for an untranslated
  // element too, so renaming it adds a translation instead of overwriting the English name).
  eventBus.on('import.parse.complete', function (event) {
    if (!event.definitions) { return; }
    each(event.definitions, function (bo) {
      var current = propertiesOf(bo);
      var zh = current && (current.values || []).filter(function (p) { return p.name === 'name_zh'; })[0];
      if (!zh && !bo.name) { return; }
      var properties = box(bo), english = bo.name || '';
      if (zh) {
        hadChinese.add(bo);
        bo.name = zh.value || english;
        properties.values = properties.values.map(function (p) {
          return p === zh ? property(SESSION_NAME, english, properties) : p;
        });
      } else {
        properties.values = properties.values.concat([property(SESSION_NAME, english, properties)]);
      }
    });
  });

  eventBus.on('saveXML.start', function (event) {
    saved = [];
    each(event.definitions, function (bo) {
      var extension = bo.extensionElements, properties = propertiesOf(bo);
      var values = properties ? properties.values || [] : [];
      saved.push({ bo: bo, name: bo.name, extension: extension, extensionValues: extension && extension.values,
                   properties: properties, values: values });
      var english = values.filter(function (p) { return p.name === SESSION_NAME; })[0];
      var chinese = bo.name || '', englishName = english ? english.value || '' : '';
      if (!english && !chinese) { return; }
      // an untranslated element the admin did not rename stays as it was, English only
      var translated = !!chinese && (chinese !== englishName || hadChinese.has(bo));
      var kept = values.filter(function (p) { return p.name !== SESSION_NAME && p.name !== 'name_zh'; });
      bo.name = englishName || chinese || undefined;
      if (translated) {
        properties = properties || box(bo);
        kept.push(property('name_zh', chinese, properties));
      }
      if (properties) { properties.values = kept; }
      if (properties && !kept.length) {  // drop the containers the session made
        extension = bo.extensionElements;
        extension.values = extension.values.filter(function (v) { return v !== properties; });
        if (!extension.values.length && madeHere.has(bo)) { bo.extensionElements = undefined; }
      }
    });
  });

  eventBus.on('saveXML.done', function () {
    (saved || []).forEach(function (entry) {
      entry.bo.name = entry.name;
      entry.bo.extensionElements = entry.extension;
      if (entry.extension) { entry.extension.values = entry.extensionValues; }
      if (entry.properties) { entry.properties.values = entry.values; }
    });
    saved = null;
  });
}

LanguageNames.$inject = ['eventBus', 'moddle', 'config.dueflow'];
