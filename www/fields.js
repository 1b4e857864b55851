// fields.js: the DOM helpers shared by the sign-in form (account.js) and the password dialog
// (password.js): a field's own error line, and a submit button that says it is busy.
//
// Each input's error line is the element whose id is the input's id + "-error", already named
// by the input's aria-describedby, so a screen reader reads the error with the field.

/** Shows `text` under `input` ('' clears it) and marks the input invalid while there is one. */
export function setFieldError(input, text) {
  document.getElementById(`${input.id}-error`).textContent = text;
  input.setAttribute('aria-invalid', text ? 'true' : 'false');
}

/** Clears the error lines of `inputs`, and the form-wide line `formError`. */
export function clearErrors(inputs, formError) {
  for (const input of inputs) setFieldError(input, '');
  formError.textContent = '';
}

/**
 * Shows each [input, problem] pair that has a problem and focuses the first such input: the
 * checks made before a request. Returns true when there was none.
 */
export function showProblems(pairs) {
  let first = null;
  for (const [input, problem] of pairs) {
    setFieldError(input, problem);
    if (problem && !first) first = input;
  }
  first?.focus();
  return first === null;
}

/** While a request is out, the button is disabled and says so (`busyLabel`); then `idleLabel`. */
export function setBusy(button, busy, busyLabel, idleLabel) {
  button.disabled = busy;
  button.textContent = busy ? busyLabel : idleLabel;
  button.setAttribute('aria-busy', String(busy));
}
