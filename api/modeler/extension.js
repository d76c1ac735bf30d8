// Read and write Dueflow's extension properties (camunda:properties/camunda:property name=value) on an element.

export function businessObjectOf(element) {
  return element && (element.businessObject || element);
}

export function propertiesOf(bo) {
  var values = (bo && bo.extensionElements && bo.extensionElements.values) || [];
  return values.filter(function (v) { return v.$type === 'camunda:Properties'; })[0] || null;
}

export function propertyOf(bo, name) {
  var properties = propertiesOf(bo);
  return properties && (properties.values || []).filter(function (p) { return p.name === name; })[0] || null;
}

export function readProperty(element, name) {
  var found = propertyOf(businessObjectOf(element), name);
  return found ? (found.value || '') : '';
}

// One undoable step per edit: the missing containers are created inside the same command.
export function writeProperty(element, name, value, services) {
  var moddle = services.moddle, commandStack = services.commandStack;
  var bo = businessObjectOf(element), commands = [];
  var extension = bo.extensionElements, properties = propertiesOf(bo);
  if (!extension) {
    extension = moddle.create('bpmn:ExtensionElements', { values: [] });
    extension.$parent = bo;
    commands.push({ cmd: 'element.updateModdleProperties',
                    context: { element: element, moddleElement: bo, properties: { extensionElements: extension } } });
  }
  if (!properties) {
    properties = moddle.create('camunda:Properties', { values: [] });
    properties.$parent = extension;
    commands.push({ cmd: 'element.updateModdleProperties',
                    context: { element: element, moddleElement: extension,
                               properties: { values: (extension.values || []).concat([properties]) } } });
  }
  var kept = [], replaced = false;
  (properties.values || []).forEach(function (p) {
    if (p.name !== name) { kept.push(p); return; }
    if (value && !replaced) {  // keep its place in the list
      var next = moddle.create('camunda:Property', { name: name, value: value });
      next.$parent = properties; kept.push(next);
    }
    replaced = true;
  });
  if (value && !replaced) {
    var added = moddle.create('camunda:Property', { name: name, value: value });
    added.$parent = properties; kept.push(added);
  }
  commands.push({ cmd: 'element.updateModdleProperties',
                  context: { element: element, moddleElement: properties, properties: { values: kept } } });
  commandStack.execute('properties-panel.multi-command-executor', commands);
}
