// The admin modeler's bundle (built by `npm run build` into build/web, see Makefile): bpmn-js with the
// properties panel, Camunda's extensions, the Dueflow group and names in the admin's language.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CamundaPlatformPropertiesProviderModule }
  from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';
import DueflowPropertiesModule from './dueflow-properties';
import LanguageNames from './language-names';
import translateModule from './translate';

var LanguageNamesModule = { __init__: ['languageNames'], languageNames: ['type', LanguageNames] };

window.DueflowModeler = {
  create: function (options) {
    return new BpmnModeler({
      container: options.container,
      // General and Dueflow open: the name, stage and documents are what an admin edits most
      propertiesPanel: { parent: options.panel, layout: { groups: { general: { open: true }, dueflow: { open: true } } } },
      dueflow: options.dueflow,
      additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule,
                          CamundaPlatformPropertiesProviderModule, CamundaBehaviorsModule, DueflowPropertiesModule,
                          LanguageNamesModule, translateModule],
      moddleExtensions: { camunda: camundaModdle }
    });
  }
};
