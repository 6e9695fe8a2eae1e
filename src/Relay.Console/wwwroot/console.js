// Copies text to the clipboard; answers whether it worked (it needs a secure context or a user gesture).
window.relayCopy = async function (text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
};
