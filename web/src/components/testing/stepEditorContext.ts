import { createContext, useContext } from 'react';
import type { Reference } from '../../api/types';

export interface StepProblem {
  uid: string;
  field: string;
  message: string;
}

export interface NodeChoice {
  id: string;
  label: string;
}

/** What every step form may need: the userinterface's nodes and references, known keys, the error. */
export interface StepEditorContextValue {
  userinterface: string;
  /** null while loading (or when there is no userinterface). */
  nodes: NodeChoice[] | null;
  nodesError: string | null;
  references: Reference[] | null;
  referencesError: string | null;
  keys: string[];
  /** Every problem of a refused save: the step it names, the field after it and the message. */
  errors: StepProblem[];
  clearError: (uid: string) => void;
}

export const StepEditorContext = createContext<StepEditorContextValue | null>(null);

export function useStepEditor(): StepEditorContextValue {
  const value = useContext(StepEditorContext);
  if (!value) throw new Error('useStepEditor must be used inside <StepEditorContext.Provider>');
  return value;
}
