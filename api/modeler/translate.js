// The modeler's own words (palette, context pad, properties panel) in the page's language: the page hands
// over the catalogue's translations (api/web/modeler_texts.py); a text without one stays as bpmn-js wrote it.
export default {
  translate: ['factory', ['config.dueflow', function (config) {
    var words = (config && config.translations) || {};
    return function translate(template, replacements) {
      var text = words[template] || template;
      return text.replace(/{([^}]+)}/g, function (_, key) {
        return replacements && key in replacements ? replacements[key] : '{' + key + '}';
      });
    };
  }]]
};
