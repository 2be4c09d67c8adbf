/** Who acts, and in which project (the path's). */
export interface Caller {
  projectId: string;
  userId: string | null;
  admin: boolean;
}
