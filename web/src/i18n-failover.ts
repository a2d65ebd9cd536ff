// Strings of a meeting moving to another server, in French (default) and English. i18n.ts
// merges them into its dictionaries.

export const failoverFr = {
  stateLost:
    'La réunion est passée sur un autre serveur et ses réglages n’ont pas pu être repris : verrou, salle d’attente, exclusions et transcription repartent de zéro.',
};

export const failoverEn: Record<keyof typeof failoverFr, string> = {
  stateLost:
    'The meeting moved to another server and its settings could not be restored: the lock, the lobby, removals and transcription start afresh.',
};
