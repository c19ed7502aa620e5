// phone.js — whether the screen is phone-sized (≤ 768px), for the pages
// that change shape on a phone (掌上办: the menu becomes a drawer, lists
// become cards, forms stack).
import { onBeforeUnmount, ref } from 'vue'

export const PHONE_QUERY = '(max-width: 768px)'

/** A ref that follows the width of the window; call in setup. */
export function useIsPhone() {
  const query = window.matchMedia(PHONE_QUERY)
  const isPhone = ref(query.matches)
  const onChange = (e) => (isPhone.value = e.matches)
  query.addEventListener('change', onChange)
  onBeforeUnmount(() => query.removeEventListener('change', onChange))
  return isPhone
}
