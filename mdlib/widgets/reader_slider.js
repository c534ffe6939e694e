// The view of mdlib's ReaderSlider (an anywidget): a native <input type="range"> that a screen
// reader can use. Its aria-label says what it changes ("step size h"); its aria-valuetext says
// the value in the reader's terms ("h = 1.0e-4"), set here on every key press, before the
// kernel answers. The keyboard is the browser's own (arrows, Page Up/Down, Home/End).
// A log-scale slider moves its input over exponents; the model's value is the quantity itself.

// The readout formats mdlib uses; reader_slider.py's readout() gives the same text in Python.
export function formatted(value, format) {
  const match = /^\.(\d+)([ef])$/.exec(format);
  if (!match) return String(value);
  const digits = Number(match[1]);
  let text = match[2] === "e" ? value.toExponential(digits) : value.toFixed(digits);
  if (/^-0(\.0*)?(e[+-]\d+)?$/.test(text)) text = text.slice(1); // "-0.00" reads as "0.00"
  return text;
}

function position(model, value) {
  return model.get("scale") === "log" ? Math.log(value) / Math.log(model.get("base")) : value;
}

function quantity(model, where) {
  return model.get("scale") === "log" ? Math.pow(model.get("base"), where) : where;
}

// JupyterLab's notebook shortcuts (ArrowUp/Down select another cell in command mode) listen
// for key presses that bubble up from the output: a slider keeps the keys it moves with.
const SLIDER_KEYS = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "PageUp",
                             "PageDown", "Home", "End"]);
let made = 0;

function render({ model, el }) {
  made += 1;
  const input = document.createElement("input");
  input.type = "range";
  input.id = `mdlib-slider-${made}-${Math.random().toString(36).slice(2, 10)}`;
  input.className = "mdlib-slider-input";
  const label = document.createElement("label");
  label.htmlFor = input.id;
  label.className = "mdlib-slider-label";
  // The visible readout repeats what aria-valuetext says: hidden from the accessibility tree,
  // so a screen reader hears the value once.
  const readout = document.createElement("span");
  readout.className = "mdlib-slider-readout";
  readout.setAttribute("aria-hidden", "true");
  el.classList.add("mdlib-slider");
  el.replaceChildren(label, input, readout);

  const say = (value) => {
    const text = formatted(value, model.get("readout_format"));
    readout.textContent = text;
    input.setAttribute("aria-valuetext", model.get("value_template").split("{value}").join(text));
  };
  const sync = () => {
    label.textContent = model.get("description");
    input.setAttribute("aria-label", model.get("accessible_name"));
    input.min = String(model.get("min"));
    input.max = String(model.get("max"));
    input.step = String(model.get("step"));
    input.disabled = model.get("disabled");
    input.value = String(position(model, model.get("value")));
    say(model.get("value"));
  };
  const send = () => {
    const value = quantity(model, Number(input.value));
    say(value);
    return value;
  };
  const onInput = () => {
    const value = send();
    if (model.get("continuous_update")) {
      model.set("value", value);
      model.save_changes();
    }
  };
  const onChange = () => {
    model.set("value", send());
    model.save_changes();
  };
  const onKey = (event) => {
    if (SLIDER_KEYS.has(event.key)) event.stopPropagation();
  };
  input.addEventListener("input", onInput);
  input.addEventListener("change", onChange);
  input.addEventListener("keydown", onKey);
  const traits = ["value", "min", "max", "step", "scale", "base", "description",
                  "accessible_name", "value_template", "readout_format", "disabled"];
  for (const name of traits) model.on(`change:${name}`, sync);
  sync();
  return () => {
    for (const name of traits) model.off(`change:${name}`, sync);
  };
}

export default { render };
