import { useLayoutEffect, useRef } from 'react';
import type { RefObject } from 'react';

/**
 * A ref holding the newest `value`, for callbacks and effects that must see the latest props
 * without subscribing again each time they change. It is written in a layout effect, which runs
 * before the effects of the same render, because writing a ref while rendering is not allowed
 * (a render React throws away would leave it pointing at values never shown).
 */
export function useLatest<T>(value: T): RefObject<T> {
  const ref = useRef(value);
  useLayoutEffect(() => {
    ref.current = value;
  });
  return ref;
}
