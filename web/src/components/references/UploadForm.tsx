import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { errorMessage } from '../../api/client';
import { api } from '../../api/endpoints';
import type { Reference } from '../../api/types';
import { DEFAULT_USERINTERFACE, USERINTERFACE_KEY, usePreference } from '../../lib/preferences';
import { nameFromFile, referenceNameProblem } from '../../lib/referenceNames';
import { Icon } from '../Icon';

interface UploadFormProps {
  /** Userinterfaces already in use, offered as suggestions. */
  userinterfaces: string[];
  onUploaded: (reference: Reference) => void;
  onClose: () => void;
}

function isPng(file: File): boolean {
  return file.type === 'image/png' || (file.type === '' && file.name.toLowerCase().endsWith('.png'));
}

/** Uploads a PNG as an image reference. Transparent pixels are a mask. */
export function UploadForm({ userinterfaces, onUploaded, onClose }: UploadFormProps) {
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [userinterface, setUserinterface, rememberUserinterface] = usePreference(USERINTERFACE_KEY, DEFAULT_USERINTERFACE);
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  if (!file && preview !== null) setPreview(null);
  useEffect(() => {
    if (!file) return;
    const url = URL.createObjectURL(file);
    // eslint-disable-next-line react-hooks/set-state-in-effect -- the preview's object URL is a browser resource this effect makes and revokes; the state only shows it
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);

  const chooseFile = (chosen: File | null) => {
    setError(null);
    if (chosen && !isPng(chosen)) {
      setFile(null);
      setError(`“${chosen.name}” is not a PNG. Choose a .png file.`);
      return;
    }
    setFile(chosen);
    if (chosen && name.trim() === '') setName(nameFromFile(chosen.name));
  };

  const nameProblem = name === '' ? null : referenceNameProblem(name);
  const ready = file !== null && name.trim() !== '' && nameProblem === null && userinterface.trim() !== '';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file || !ready || uploading) return;
    setUploading(true);
    setError(null);
    try {
      const created = await api.uploadReference({ name: name.trim(), userinterface: userinterface.trim() }, file);
      rememberUserinterface(userinterface.trim());
      onUploaded(created);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setUploading(false);
    }
  };

  return (
    <section className="card upload-card" aria-labelledby="upload-title">
      <div className="card-head">
        <h2 id="upload-title" className="card-title">
          <Icon name="upload" /> Upload an image reference
        </h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close the upload form" title="Close">
          <Icon name="close" size={15} />
        </button>
      </div>
      <p className="muted small">
        A PNG of what to look for, cropped from a screenshot. Transparent pixels are ignored when matching.
      </p>
      <form className="upload-form" onSubmit={(e) => void submit(e)}>
        <div className="upload-preview" aria-hidden={preview ? undefined : true}>
          {preview ? <img src={preview} alt="The chosen PNG" /> : <Icon name="reference" size={26} />}
        </div>
        <div className="form-fields">
          <label className="field">
            <span className="field-label">PNG file</span>
            <input
              className="input input-file"
              type="file"
              accept="image/png"
              onChange={(e) => chooseFile(e.target.files?.[0] ?? null)}
              disabled={uploading}
              data-testid="upload-file"
            />
          </label>
          <label className="field">
            <span className="field-label">Name</span>
            <input
              className="input"
              value={name}
              onChange={(e) => {
                setName(e.target.value);
                setError(null);
              }}
              placeholder="e.g. settings_title"
              aria-invalid={nameProblem !== null}
              disabled={uploading}
              autoComplete="off"
            />
          </label>
          <label className="field">
            <span className="field-label">Userinterface</span>
            <input
              className="input"
              value={userinterface}
              onChange={(e) => {
                setUserinterface(e.target.value);
                setError(null);
              }}
              list="upload-userinterfaces"
              disabled={uploading}
              autoComplete="off"
            />
            <datalist id="upload-userinterfaces">
              {userinterfaces.map((ui) => (
                <option key={ui} value={ui} />
              ))}
            </datalist>
          </label>
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={!ready || uploading}>
              <Icon name="upload" size={15} /> {uploading ? 'Uploading…' : 'Upload'}
            </button>
            {nameProblem ? <span className="form-error">{nameProblem}</span> : null}
            {error ? (
              <span className="form-error" role="alert">
                {error}
              </span>
            ) : null}
          </div>
        </div>
      </form>
    </section>
  );
}
